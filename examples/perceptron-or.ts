/** The perceptron on ORor. Run: npx axon train perceptron-or */
import { perceptronModel } from './lib/perceptron-model.ts';

export default perceptronModel('or', [0,1,1,1]);
