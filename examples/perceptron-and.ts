/** The perceptron on ANDand. Run: npx axon train perceptron-and */
import { perceptronModel } from './lib/perceptron-model.ts';

export default perceptronModel('and', [0,0,0,1]);
