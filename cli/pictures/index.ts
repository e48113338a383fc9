export { trainingCurvesPng, trainingCurvesSvg } from './curves.ts';
export { confusionMatrixPng, confusionMatrixSvg } from './confusion.ts';
export { filterGridPng, type FilterGridOptions } from './filters.ts';
export { saliencyPng } from './saliency.ts';
export { adversarialTriptychPng, adversarialTriptychSvg, type TriptychInput, type Prediction } from './adversarial.ts';
export { writePicture } from './write.ts';
export { saliencySheetPng, adversarialSheetPng, type SaliencyRow } from './sheets.ts';
