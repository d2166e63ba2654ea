/**
 * One vocabulary for every test level (issue 30): `given` the world, `when` a caller acts (in this
 * process or over HTTP, through one signature), `then` what they read and what was left behind.
 */
export * from './given';
export * from './when';
export * from './then';
