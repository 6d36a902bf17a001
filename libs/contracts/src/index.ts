export * from './errors';
export * from './pipeline';
export * from './streaming';
export * from './jobs';
