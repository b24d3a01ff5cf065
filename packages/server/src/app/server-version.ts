/** The server package's version, as `GET /api/v2/cluster/nodes` reports it per node (a mixed-version cluster shows). */
export { serverVersion as packageVersion } from '../version.js';
