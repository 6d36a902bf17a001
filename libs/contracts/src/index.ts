export * from './errors';
export * from './pipeline';
export * from './streaming';
export * from './jobs';
export * from './stream-messages';
export * from './scene';
export * from './cameras';
