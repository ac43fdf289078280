export default async function globalSetup(): Promise<void> {
  console.log('setup', process.version);
}
