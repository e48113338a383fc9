/** The perceptron on XOR — it cannot converge: XOR is not linearly separable. Run: npx axon train perceptron-xor */
import { perceptronModel } from './lib/perceptron-model.ts';

export default perceptronModel('xor', [0,1,1,0]);
