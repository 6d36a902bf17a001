export * from './boxes';
export * from './letterbox';
export * from './nms';
export * from './preprocess';
export * from './ultralytics';
export * from './yolox';
export * from './ocr';
export * from './jpeg-header';
