/** AppSync puts `errorType` at the top of each GraphQL error, where no client's types declare it: hence the casts. */
export type AppSyncError = { errorType?: string };
