/**
 * The CLI's pictures (curves, confusion matrices, filters, saliency, FGSM sheets) need chart and
 * PNG libraries that are optional peer dependencies of the package: compiling and training work
 * without them, and a run without them says once what to install instead of failing at its end.
 */
export type Pictures = typeof import('./index.ts');

export const PICTURE_PACKAGES = ['vega', 'vega-lite', '@resvg/resvg-js', 'pngjs'] as const;

let loaded: Promise<Pictures | undefined> | undefined;

function isMissingPackage(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === 'ERR_MODULE_NOT_FOUND' && PICTURE_PACKAGES.some((p) => err.message?.includes(`'${p}'`) || err.message?.includes(`"${p}"`));
}

/** The picture module, or undefined (after one note through `log`) when its packages are not installed. */
export function loadPictures(log: (s: string) => void): Promise<Pictures | undefined> {
  loaded ??= import('./index.ts').catch((e: unknown) => {
    if (!isMissingPackage(e)) throw e;
    log(`note: skipping the pictures: they need the optional packages ${PICTURE_PACKAGES.join(', ')} `
      + `(npm install ${PICTURE_PACKAGES.join(' ')}); --no-pictures skips them without this note (${(e as Error).message.split('\n')[0]})`);
    return undefined;
  });
  return loaded;
}
