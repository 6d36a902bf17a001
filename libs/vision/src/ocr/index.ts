export { OcrEngine, DEFAULT_OCR_OPTIONS, type OcrOptions, type OcrResult } from './ocr-engine';
export { type RgbImage } from './image';
export { DEFAULT_DB_OPTIONS, type DbOptions, type TextRegion, dbPostprocess } from './db-postprocess';
export { ctcGreedyDecode, parseDictionary, type DecodedText } from './ctc-decode';
export { type Point, type Quad, type RotatedRect, minAreaRect, orderQuad, unclipRect } from './geometry';
