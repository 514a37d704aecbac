// Entry of each clearing thread. Threads start without the parent's TypeScript loader,
// so this file registers it, then hands over to the task module.
import { register } from 'tsx/esm/api';

register();
const { default: clearTask } = await import('./clear-task.ts');
export default clearTask;
