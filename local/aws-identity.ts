/** The account every local ARN names (queues, topics, functions, events), as AWS's own examples do. */
export const LOCAL_ACCOUNT_ID = '000000000000';
