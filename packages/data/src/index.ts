export { DatasetError } from './errors';
export {
  DEFAULT_FASHION_MNIST_DIR,
  FASHION_MNIST_DIR_ENV,
  FASHION_MNIST_LABELS,
  FASHION_MNIST_SIZE,
  type FashionMnist,
  type FashionMnistOptions,
  type FashionMnistSplit,
  fashionMnistDir,
  loadFashionMnist,
} from './fashion-mnist';
export { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, IDX_TYPE_UBYTE, type IdxArray, parseIdx } from './idx';
