export { OcrEngine, type OcrResult } from './ocr-engine';
export { DEFAULT_OCR_OPTIONS, type OcrOptions } from './ocr-options';
export { DEFAULT_DB_OPTIONS, type DbOptions } from './db-postprocess';
export { type RgbImage } from './image';
export { OcrWorkerEngine } from './ocr-worker-engine';
