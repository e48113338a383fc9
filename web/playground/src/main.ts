/** Entry point: detect backends, build the controls, start the app, the Fashion-MNIST and the char-gpt panels. */
import { App } from './app.ts';
import { detectBackends } from './availability.ts';
import { buildControls } from './controls.ts';
import { setUpFashion } from './fashion.ts';
import { setUpGptPanel } from './gpt/panel.ts';
import { installTestHook } from './test-hook.ts';
import { warmUpWasmCompiler } from './warm-up.ts';

const backends = await detectBackends();
let app: App | undefined;
buildControls(backends, () => app?.reset());
app = new App();
// relative to the page, so the static build works under any base path
const fashion = setUpFashion('./fashion/');
fashion.catch((e) => console.error(e));
const gpt = setUpGptPanel('./gpt/corpus.txt', backends);
Object.assign(window, { __axonGpt: gpt });
const WARMING = 'ready (warming up the WebAssembly compiler in the background)';
const warmUp = backends.wasm.ok ? warmUpWasmCompiler() : Promise.resolve(0);
if (backends.wasm.ok) app.setStatus(WARMING);
warmUp.then(
  () => { if (document.getElementById('status')!.textContent === WARMING) app!.setStatus('ready'); },
  (e) => console.error('warming up the WebAssembly compiler failed', e),
);
installTestHook(app, backends, fashion, warmUp);
