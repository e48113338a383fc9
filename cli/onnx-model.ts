/** ONNX files on the command line: `--shape name=1,3,224,224` flags and importing a .onnx path. */
import { importOnnx, type ImportedModel } from '../compiler/onnx/import.ts';

export const isOnnxPath = (spec: string) => /\.onnx$/i.test(spec);

/** Parses repeated `--shape name=d0,d1,…` flags. */
export function parseShapes(flags: readonly string[] | undefined): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const f of flags ?? []) {
    const m = /^([^=]+)=(\d+(?:,\d+)*)$/.exec(f.trim());
    if (!m) throw new Error(`--shape "${f}": expected name=d0,d1,… (e.g. --shape input=1,3,224,224)`);
    out[m[1]!] = m[2]!.split(',').map(Number);
  }
  return out;
}

export function importOnnxFile(path: string, shapeFlags: readonly string[] | undefined): Promise<ImportedModel> {
  return importOnnx(path, { shapes: parseShapes(shapeFlags) });
}
