export * from './instance-schedule';
export * from './sitespeed-image';
export * from './sitespeed-cluster';
