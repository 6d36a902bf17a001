export * from './assignment';
export * from './byte-tracker';
export * from './kalman';
export * from './scene-geometry';
export * from './scene-tracker';
