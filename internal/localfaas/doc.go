// Package localfaas is a local implementation of the E2E Functions-as-a-Service
// API in both its dialects, faas-v1 (api/openapi.yaml) and MyAccount
// (api/myaccount.yaml): an http.Handler over one in-memory store, so that the
// provider can be tested and demonstrated without an account.
//
// # The API
//
// Every endpoint of the faas-v1 contract is served under /faas/api/v1/.
// Requests need the header "Authorization: Bearer <AuthToken>" and the query
// parameter apikey=<APIKey>; anything else is answered 401. Functions and
// secrets live in the namespace e2e-faas-<project>-dl, where project is the
// project_id query parameter (1 to 64 letters, digits, '-' and '_'; anything
// else is answered 400) or Options.DefaultProject; a function of another
// namespace is not found. List pages go up to 1,000,000. Bodies are JSON; unknown fields are rejected with 400, and every
// validation problem of a request is reported in one 400, keyed by its path in
// the function object (e.g. "config.memory_mb", "environment.PORT"). Keys of
// environment and labels, and secret names, that a function already holds
// pass again unchecked, so what the platform set out of band (a com.openfaas.*
// label, say) does not block later updates.
//
// A create may carry the header "Idempotency-Key: <key>" (a UUID, say); the
// function keeps it and answers it as create_request_id (never, with
// Options.OmitCreateRequestID, though the key still works as below). A POST that repeats
// the key of a function of the namespace is a retry of the create that made
// it: with that function's name it is answered 201 with the function as it
// is now, and nothing is created or redeployed (the rest of the body is not
// compared); with another name it is answered 409 naming that function. A
// POST whose name is taken under another key, or none, is answered 409 naming
// the existing function's id. A key is forgotten once its function is gone.
//
// Deploys and deletes take time without any goroutine: each access first
// settles the deploys whose Options.DeployDelay has passed (Deploying becomes
// Running, or Failed when the code archive is not a readable ZIP or
// FailNextDeploy was armed) and forgets the functions whose
// Options.DeleteDelay has passed since their delete. With both delays at 0, a
// create answers Deploying and the next GET reads Running; a delete answers
// Deleting and the next GET answers 404.
//
// PUT secrets/{name} (contract v1.1) rotates a secret's value in place:
// every function of the namespace that names it, except one being deleted,
// redeploys as any redeploying call would (a new version, Deploying, then
// Running or Failed), and the answer lists their ids, sorted, with the
// secret's updated_at. A second PUT, even of the same value, redeploys them
// again.
//
// invoke_url is built from the address the request reached, as the server's
// listener knows it, never from the Host header.
//
// # The MyAccount dialect
//
// E2E's API as it is today, under /myaccount/api/v1/faas/ (myaccount.go): the
// same credentials (401 in the envelope), and project_id (a positive integer)
// and location required on every request (400 otherwise). Functions are
// addressed by name, in the same namespace e2e-faas-<project_id>-dl, so a
// function made through one dialect is found through the other:
//
//	GET    faas/runtimes/               the catalogue, with starter code for each runtime
//	POST   faas/functions/              create: exactly the keys function, runtime, arguments ({}),
//	                                    code, memory, timeout, params ({}), requirements,
//	                                    environment_variables, secrets, node_type
//	GET    faas/functions/              [{"name","runtime","status","url"}]
//	GET    faas/function/{name}/        the function (only name, runtime, status and url with
//	                                    Options.MyAccountSparse)
//	PUT    faas/handler_file/{name}/    replaces code, params ({}), requirements,
//	                                    environment_variables, secrets, memory and timeout; redeploys
//	DELETE faas/function/{name}/        {"function":"<name>"}
//
// Every answer is the envelope {"code","data","errors","message"}; success
// is HTTP 200 with code 200. Unknown body keys and bad values are answered
// 400 with errors by key (memory 128, 256, 512 or 1024; timeout 1 to 600;
// node_type the runtime's); an unknown name HTTP 200 with code 404; a name
// taken 409; an update while the function deploys or is deleted 409, and a
// delete while it deploys 409 (a repeated delete is answered as the first).
// Statuses are lowercase. The code, the text of one handler file, is kept
// in an archive with the requirements file, named as the runtime's template
// expects (handler.py and requirements.txt, handler.js and package.json,
// ...), and deploys as template "http"; code_sha256 hashes the code text.
//
// # Running functions
//
// With Options.Runner (package runner; the command's default), deployed
// functions run as local processes: a deploy also starts its version, and is
// Running once DeployDelay has passed and every worker answers, or Failed
// with why they could not start (the package tool's or compiler's output, the
// handler's import error). The new version replaces the one answering only
// when it is ready; the old one stops once its calls in flight are answered.
// Deleting a function, setting its status to Failed or Deleting out of band,
// and Server.Close end its processes. Secrets are resolved when the deploy
// starts and reach the handler as environment variables named like the
// secret; a rotation's redeploy restarts the workers with the new value.
//
// The invoke route, outside the contract and without credentials, answers
// any method:
//
//	/faas/function/v1/<name>.<namespace>/<path>   the live version's workers, with /<path>
//
// 404 for an unknown or Deleting function; 503 (Retry-After: 1) while the
// first deploy runs or when the function is Failed; 501 when the runtime
// cannot run here, or there is no runner; the workers' 504 on timeout and 502
// when one crashed. Each call counts in invocation_count and the metrics
// (answers of 500 and above as errors); the handler's output is in the logs.
// GET runtimes adds runs_locally to each runtime. Without a runner, nothing
// runs: runs_locally is false everywhere and invocations answer 501.
//
// # Admin routes
//
// Outside the contract, with the same credentials and never enveloped, tests
// and demos can reach the store:
//
//	GET    /_local/requests          the request log: {"requests":[{"method","path","route","status","time"}]}
//	DELETE /_local/requests          empties the request log (204)
//	PATCH  /_local/functions/{id}    changes a function out of band with a JSON merge patch of
//	                                 its contract fields, e.g. {"config":{"memory_mb":256},"labels":{"x":"y"}};
//	                                 maps merge key by key and null removes a key; runtime, template,
//	                                 handler_function, requirements, code_archive, config, environment,
//	                                 secrets, labels, annotations, status, error_message,
//	                                 code_sha256 and invocation_count may change, as in
//	                                 Server.UpdateFunction; answers the function (200)
//	DELETE /_local/functions/{id}    deletes a function at once (204)
//	POST   /_local/fail-next-deploy  {"message":"..."} (body optional): the next deploy fails (204)
//	GET    /_local/faults            the fault configuration in force, with its seed, and the
//	                                 faults injected since it was set (the last 1000)
//	PUT    /_local/faults            replaces the fault configuration (see below); answers as GET
//	DELETE /_local/faults            stops injecting faults (204)
//
// The same is available in Go: Server.Requests, Server.ResetRequests,
// Server.UpdateFunction, Server.RemoveFunction, Server.FailNextDeploy,
// Server.Faults, Server.SetFaults, Server.ClearFaults and
// Server.InjectedFaults, plus Server.Function, Server.Functions,
// Server.Secrets and Server.SecretValue. Admin requests are not themselves
// logged.
//
// # Fault injection
//
// To test how a client copes with a platform that misbehaves, the server
// can inject faults into the requests of the contract (never the admin
// routes, and only once a request is authenticated) and into deploys. The
// configuration, as PUT /_local/faults takes it (every field optional):
//
//	{
//	  "seed": 42,                        // 0 or absent: a random seed, reported by GET
//	  "rate": 0.2,                       // share of requests, 0 to 1, that meet a fault...
//	  "kinds": ["500","502","503","429","drop","latency"],  // ...drawn from these (empty: all)
//	  "routes": {"POST functions": {"rate": 1, "kinds": ["drop"]}},  // per-route rules
//	  "retry_after": "0s",               // Retry-After of 429 answers, whole seconds rounded up
//	  "latency": "0-50ms",               // range of a latency fault's wait
//	  "deploy_fail_rate": 0.1,           // share of deploys that end Failed
//	  "deploy_stall": "30s"              // extra time every deploy stays Deploying
//	}
//
// Routes are named as in the request log ("GET functions/{id}", or
// "GET faas/function/{name}/" for the MyAccount dialect, whose injected
// errors come in its envelope); a route that
// "routes" names follows its own rule, every other route the global one. The
// kinds: 500, 502 and 503 answer before the request is carried out, so
// nothing changes; 429 does the same with a Retry-After header; drop carries
// the request out, then closes the connection without answering (the change
// is made, the client sees a transport error; the request log keeps the
// status the request had); latency waits, then serves the request. Injected
// answers use the contract's error body. The choices are drawn from the seed:
// the n-th request of a route since the configuration was set meets the same
// fault whatever other routes do, and the n-th deploy ends the same way, so a
// failing run replays with the seed it reports. The command takes the same
// settings as -fault-* flags and prints the seed.
//
// No response, log line or error ever holds a secret value, the API key or
// the auth token; the request log records paths without their query string.
package localfaas
