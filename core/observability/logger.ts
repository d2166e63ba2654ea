import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs (Powertools), one service name per Lambda function. */
export function createLogger(serviceName: string, persistentKeys: Record<string, string> = {}): Logger {
  return new Logger({ serviceName, persistentKeys });
}
