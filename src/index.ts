export * from './browser';
export * from './config-sync';
export * from './connectivity';
export * from './connectivity-profile';
export * from './instance-schedule';
export * from './scheduled-site';
export * from './sitespeed-image';
export * from './sitespeed-cluster';
