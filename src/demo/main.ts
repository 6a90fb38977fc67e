/** `npm start [-- --transport amqp://localhost]`: the demo. */
import { runCli } from '../cli/main.js';

runCli(['demo', ...process.argv.slice(2)]);
