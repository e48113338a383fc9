/** Entry point: detect backends, build the controls, start the app and the Fashion-MNIST panel. */
import { App } from './app.ts';
import { detectBackends } from './availability.ts';
import { buildControls } from './controls.ts';
import { setUpFashion } from './fashion.ts';
import { installTestHook } from './test-hook.ts';

const backends = await detectBackends();
let app: App | undefined;
buildControls(backends, () => app?.reset());
app = new App();
// relative to the page, so the static build works under any base path
const fashion = setUpFashion('./fashion/');
fashion.catch((e) => console.error(e));
installTestHook(app, backends, fashion);
