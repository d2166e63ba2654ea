export default async function stopMysqlForTests(): Promise<void> {
  await globalThis.appointmentsTestMysql?.stop();
}
