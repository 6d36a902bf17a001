export {
  DetectorEngine,
  DETECTOR_PLACEMENT,
  type DetectorFamily,
  type DetectorModel,
  type DetectorOutput,
} from './detector-engine';
export { DetectorPool, type FrameRun, type PoolLayout } from './detector-pool';
