package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

var (
	_ resource.Resource                     = (*functionResource)(nil)
	_ resource.ResourceWithConfigure        = (*functionResource)(nil)
	_ resource.ResourceWithImportState      = (*functionResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*functionResource)(nil)
	_ resource.ResourceWithConfigValidators = (*functionResource)(nil)
)

// NewFunctionResource is the constructor of e2e_faas_function.
func NewFunctionResource() resource.Resource { return &functionResource{} }

type functionResource struct {
	data *providerData
}

// The design's validation lists.
var (
	runtimes      = []string{"python3.11", "node20", "node18", "csharp7.0", "php8.2", "go1.21", "pytorch2.1.2", "tensorflow2.19.0", "custom"}
	templates     = []string{"http", "flask", "fastapi", "node", "go"}
	hardwareTypes = []string{"cpu", "gpu"}
	functionName  = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	envKey        = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	handlerName   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)
	// reservedEnvNames are set by the platform itself; neither an
	// environment variable nor a secret (exposed as a variable of its name)
	// may take them.
	reservedEnvNames = []string{"PORT"}
)

const (
	defaultCreateTimeout = 15 * time.Minute
	defaultUpdateTimeout = 15 * time.Minute
	defaultDeleteTimeout = 10 * time.Minute
)

func (r *functionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_faas_function"
}

func quoted(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = "`" + s + "`"
	}
	return strings.Join(q, ", ")
}

func (r *functionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An E2E Functions-as-a-Service function: its code, runtime, configuration, environment and secrets. " +
			"Terraform waits until each deploy is `Running` (or reports the platform's error when it is `Failed`). " +
			"Code comes from exactly one of `code_inline`, `code_path` or `code_archive`; `source_hash` is computed from the code " +
			"itself at plan time, so an edited file shows in `terraform plan` without a hash to maintain by hand.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Function ID (a UUID).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Function name: 3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit. " +
					"Unique within the namespace. Changing it replaces the function.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{
					stringvalidator.LengthBetween(3, 63),
					stringvalidator.RegexMatches(functionName, "must be lowercase letters, digits and hyphens, starting and ending with a letter or digit"),
				},
			},
			"runtime": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Runtime. With the `faas-v1` API, one of " + quoted(runtimes) + "; with the `myaccount` API (E2E's), " +
					"a runtime of the live catalogue such as `python3-http-debian` or `node18` (see `data.e2e_faas_runtimes`). " +
					"Both are checked at plan time against the live catalogue. Changing it replaces the function.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"template": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(defaultTemplate),
				MarkdownDescription: "Template: one of " + quoted(templates) + ". Defaults to `http`.",
				Validators:          []validator.String{stringvalidator.OneOf(templates...)},
			},
			"code_inline": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The handler's source code. It is packaged as one file named for the runtime (`handler.py`, `handler.js`, " +
					"`handler.go`, …) plus `requirements.txt` when `requirements` is set. Exactly one of `code_inline`, `code_path` and `code_archive` is required.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"code_path": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Path to a directory holding the function's code. It is packed into a deterministic ZIP (sorted entries, " +
					"fixed timestamps, normalised modes), leaving out `.git/`, `.terraform/`, `__pycache__/`, `*.pyc`, `.DS_Store`, " +
					"the patterns of `code_excludes` and those of a `.faasignore` file in the directory.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"code_archive": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Path to a ZIP file holding the function's code. It is checked (no absolute or `..` paths, no links, E2E's size limits) before anything is sent.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"code_excludes": schema.ListAttribute{
				ElementType:         types.StringType,
				Optional:            true,
				MarkdownDescription: "Gitignore-style patterns of files under `code_path` to leave out of the archive, on top of the defaults and `.faasignore`.",
				Validators: []validator.List{
					listvalidator.AlsoRequires(path.MatchRoot("code_path")),
					listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1)),
				},
			},
			"source_hash": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "SHA-256 of the code's normalised manifest (relative paths, file modes and contents; never timestamps or ZIP bytes), " +
					"computed at plan time. It changes when a file is edited, added or removed, and when the deployed code was changed outside Terraform.",
			},
			"handler_function": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(defaultHandler),
				MarkdownDescription: "Entry point function name. Defaults to `handle`.",
				Validators:          []validator.String{stringvalidator.RegexMatches(handlerName, "must be an identifier such as handle or main.handler")},
			},
			"requirements": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Dependencies in the runtime's own format (for Python, the content of `requirements.txt`), installed at deploy time.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"environment": schema.MapAttribute{
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Sensitive:   true,
				Default:     mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
				MarkdownDescription: "Environment variables of the function. Keys are letters, digits and `_`, start with a letter or `_`, " +
					"at most 50 characters; `PORT` is reserved. Marked sensitive so values never appear in plan output or logs; " +
					"use `secrets` for credentials.",
				Validators: []validator.Map{
					mapvalidator.KeysAre(
						stringvalidator.LengthAtMost(50),
						stringvalidator.RegexMatches(envKey, "must be letters, digits and _, starting with a letter or _"),
						stringvalidator.NoneOf(reservedEnvNames...),
					),
					mapvalidator.ValueStringsAre(noNULValue{}),
				},
			},
			"secrets": schema.ListAttribute{
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				Default:     listdefault.StaticValue(types.ListValueMust(types.StringType, []attr.Value{})),
				MarkdownDescription: "Names of secrets to expose to the function, each as an environment variable named like the secret " +
					"(`e2e_faas_secret`s with the `faas-v1` API; secrets made in the MyAccount console with E2E's API). `PORT` is reserved.",
				Validators: []validator.List{
					listvalidator.UniqueValues(),
					listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1), stringvalidator.NoneOf(reservedEnvNames...)),
				},
			},
			"labels": schema.MapAttribute{
				ElementType:         types.StringType,
				Optional:            true,
				Computed:            true,
				Default:             mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
				MarkdownDescription: "Labels. Keys starting `com.openfaas.` are the platform's and are neither accepted nor shown.",
				Validators:          []validator.Map{mapvalidator.KeysAre(noPrefix(reservedMetadataPrefix))},
			},
			"annotations": schema.MapAttribute{
				ElementType:         types.StringType,
				Optional:            true,
				Computed:            true,
				Default:             mapdefault.StaticValue(types.MapValueMust(types.StringType, map[string]attr.Value{})),
				MarkdownDescription: "Annotations. Keys starting `com.openfaas.` are the platform's and are neither accepted nor shown.",
				Validators:          []validator.Map{mapvalidator.KeysAre(noPrefix(reservedMetadataPrefix))},
			},
			"namespace": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Namespace the function lives in, such as `e2e-faas-20235-dl`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"invoke_url": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "URL that invokes the function.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"status": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "Deploy status: `Deploying`, `Running`, `Failed` or `Deleting`. After a successful apply it is `Running`; " +
					"a function found `Failed` is redeployed by the next apply.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"version": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Deployed version; changes on every redeploy.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"code_sha256": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Hex SHA-256 of the archive the API last deployed, as it reports it.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"invocation_count": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "Total invocations so far, as of the last refresh.",
				PlanModifiers:       []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
			},
			"created_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Creation time (RFC 3339, UTC).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"updated_at": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Time of the last change (RFC 3339, UTC).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"config": schema.ListNestedBlock{
				MarkdownDescription: "Resources and scaling. At most one block; leaving it out means every default below.",
				Validators:          []validator.List{listvalidator.SizeAtMost(1)},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"memory_mb": schema.Int64Attribute{
							Optional: true, Computed: true, Default: int64default.StaticInt64(defaultMemoryMB),
							MarkdownDescription: "Memory in MB, 64 to 8192. Defaults to 128.",
							Validators:          []validator.Int64{int64validator.Between(64, 8192)},
						},
						"timeout_seconds": schema.Int64Attribute{
							Optional: true, Computed: true, Default: int64default.StaticInt64(defaultTimeoutSeconds),
							MarkdownDescription: "Execution timeout in seconds, 1 to 900. Defaults to 30.",
							Validators:          []validator.Int64{int64validator.Between(1, 900)},
						},
						"replicas": schema.Int64Attribute{
							Optional: true, Computed: true, Default: int64default.StaticInt64(defaultReplicas),
							MarkdownDescription: "Replicas, 1 to 5; more than one only on `cpu`. Defaults to 1.",
							Validators:          []validator.Int64{int64validator.Between(1, 5)},
						},
						"hardware_type": schema.StringAttribute{
							Optional: true, Computed: true, Default: stringdefault.StaticString(defaultHardwareType),
							MarkdownDescription: "`cpu` or `gpu`. Defaults to `cpu`. Changing it replaces the function.",
							Validators:          []validator.String{stringvalidator.OneOf(hardwareTypes...)},
						},
						"min_scale": schema.Int64Attribute{
							Optional: true, Computed: true, Default: int64default.StaticInt64(defaultMinScale),
							MarkdownDescription: "Minimum scale, 0 to 100, at most `max_scale`. Defaults to 1.",
							Validators:          []validator.Int64{int64validator.Between(0, 100)},
						},
						"max_scale": schema.Int64Attribute{
							Optional: true, Computed: true, Default: int64default.StaticInt64(defaultMaxScale),
							MarkdownDescription: "Maximum scale, 1 to 100. Defaults to 5.",
							Validators:          []validator.Int64{int64validator.Between(1, 100)},
						},
					},
				},
			},
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
}

func (r *functionResource) ConfigValidators(_ context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("code_path"), path.MatchRoot("code_archive"), path.MatchRoot("code_inline")),
		configBlockValidator{},
	}
}

func (r *functionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (r *functionResource) client() faas.API { return r.data.client }

func (r *functionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan functionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	code, ok := r.code(ctx, &plan, &resp.Diagnostics)
	if !ok {
		return
	}
	defer code.Close()
	settings, diags := plan.settings(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	want := plan.updateRequest(&settings, code)
	client := r.client()
	created, err := client.CreateFunction(ctx, &faas.CreateFunctionRequest{
		Name:            plan.Name.ValueString(),
		Runtime:         want.Runtime,
		Template:        want.Template,
		HandlerFunction: want.HandlerFunction,
		Code:            want.Code,
		CodeText:        want.CodeText,
		Requirements:    want.Requirements,
		Config:          want.Config,
		Environment:     want.Environment,
		Secrets:         want.Secrets,
		Labels:          want.Labels,
		Annotations:     want.Annotations,
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, "Could not create the function", err, createFailureHint(ctx, err))
		return
	}

	// Save the ID before waiting: if the wait fails or is interrupted, the
	// function is tracked (and tainted), never orphaned.
	resp.Diagnostics.Append(setRequirementsFromCode(ctx, resp.Private, code, &plan)...)
	plan.applyFunction(created)
	plan.CodeSHA256 = types.StringValue(code.sha256)
	plan.settle()
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	tflog.Info(ctx, "created function, waiting for its deploy", map[string]any{"id": created.ID, "name": created.Name})

	if created.Adopted {
		resp.Diagnostics.AddAttributeWarning(path.Root("name"), "Adopted the function this apply created",
			fmt.Sprintf("The answer to the create of %q was lost, and a function of that name with the same runtime and hardware was found afterwards; "+
				"Terraform manages it now and brings it to the configuration. If someone else made it, remove it from the state "+
				"(terraform state rm) and rename this resource.", created.Name))
		settled, err := client.WaitUntilSettled(ctx, created.ID, faas.DefaultPoll)
		if err == nil && differsFrom(settled, want, code.sha256) {
			tflog.Info(ctx, "the adopted function differs from the configuration; updating it", map[string]any{"id": created.ID})
			_, err = client.UpdateFunction(ctx, created.ID, want)
		}
		if err != nil {
			addWaitError(&resp.Diagnostics, "The function was created but could not be brought to the configuration", err,
				"Terraform keeps it in state, marked tainted: the next apply replaces it.")
			return
		}
	}

	deployed, err := client.WaitForDeploy(ctx, created.ID, faas.DefaultPoll)
	if deployed != nil {
		plan.applyFunction(deployed)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
	if err != nil {
		addWaitError(&resp.Diagnostics, "The function was created but did not deploy", err,
			"Terraform keeps it in state, marked tainted: the next apply replaces it. Fix the cause (the code, requirements "+
				"or settings), or raise timeouts.create if the deploy only needs longer.")
	}
}

func (r *functionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state functionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	f, err := r.client().GetFunction(ctx, state.ID.ValueString())
	if faas.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Function no longer exists",
			fmt.Sprintf("Function %s (%s) was deleted outside Terraform; it is removed from state and the plan will create it again.",
				state.Name.ValueString(), state.ID.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Could not read the function", err, "")
		return
	}
	raw, diags := req.Private.GetKey(ctx, privateRequirementsKey)
	resp.Diagnostics.Append(diags...)
	state.requirementsFromCode = readRequirementsFromCode(raw)
	imported := state.CodeInline.IsNull() && state.CodePath.IsNull() && state.CodeArchive.IsNull()
	state.applyFunction(f)
	if imported && f.Carries(faas.FieldCode) && f.Code != "" {
		// Just imported from a dialect that answers with the code itself:
		// take it as code_inline, so a configuration that matches the
		// function plans nothing.
		state.adoptInlineCode(ctx, f, &resp.Diagnostics)
	}
	if f.Status == faas.StatusFailed {
		resp.Diagnostics.AddWarning("Function is in the Failed state",
			fmt.Sprintf("Function %s reports: %s. The next apply redeploys it.", f.Name, nonEmpty(f.ErrorMessage, "no error message")))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *functionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state functionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	changes, diags := diffFunction(ctx, &plan, &state)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	client := r.client()
	if !client.Capabilities().PartialUpdates {
		r.updateWhole(ctx, &plan, &state, changes, resp)
		return
	}
	redeploying := false
	var last *faas.Function
	// On failure the prior state stays, refreshed with what the API said, so
	// the next plan shows the same change and the next apply tries again.
	fail := func(summary string, err error, hint string) {
		if last != nil {
			state.applyFunction(last)
		}
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		addWaitError(&resp.Diagnostics, summary, err, hint)
	}

	if changes.code {
		archive, ok := r.build(ctx, &plan, &resp.Diagnostics)
		if !ok {
			return
		}
		defer archive.Close()
		if archive.SHA256 == state.CodeSHA256.ValueString() && !changes.codeSettings {
			// The API already runs these exact bytes (typically after an
			// import): adopt them without a redeploy.
			tflog.Info(ctx, "deployed code already matches the configuration; not uploading it again", map[string]any{"id": id})
		} else {
			f, err := client.UpdateFunctionCode(ctx, id, &faas.CodeUpdate{
				Code:            archive,
				Requirements:    plan.Requirements.ValueString(),
				HandlerFunction: plan.HandlerFunction.ValueString(),
				Template:        plan.Template.ValueString(),
			})
			if err != nil {
				fail("Could not update the function's code", err, "The code was not changed; fix the cause and apply again.")
				return
			}
			last, redeploying = f, true
		}
	}
	if changes.config {
		cfg, _, _ := plan.effectiveConfig(ctx)
		f, err := client.UpdateFunctionConfig(ctx, id, &cfg)
		if err != nil {
			fail("Could not update the function's config", err, "")
			return
		}
		last, redeploying = f, true
	}
	if changes.environment {
		env, d1 := stringMap(ctx, plan.Environment)
		secrets, d2 := stringList(ctx, plan.Secrets)
		resp.Diagnostics.Append(d1...)
		resp.Diagnostics.Append(d2...)
		if resp.Diagnostics.HasError() {
			return
		}
		f, err := client.UpdateFunctionEnvironment(ctx, id, &faas.EnvironmentUpdate{Environment: env, Secrets: secrets})
		if err != nil {
			fail("Could not update the function's environment or secrets", err, "")
			return
		}
		last, redeploying = f, true
	}
	if changes.metadata {
		labels, d1 := stringMap(ctx, plan.Labels)
		annotations, d2 := stringMap(ctx, plan.Annotations)
		resp.Diagnostics.Append(d1...)
		resp.Diagnostics.Append(d2...)
		if resp.Diagnostics.HasError() {
			return
		}
		f, err := client.UpdateFunctionMetadata(ctx, id, &faas.MetadataUpdate{Labels: labels, Annotations: annotations})
		if err != nil {
			fail("Could not update the function's labels or annotations", err, "")
			return
		}
		last = f
	}
	if !redeploying && state.Status.ValueString() == faas.StatusFailed {
		f, err := client.DeployFunction(ctx, id)
		if err != nil {
			fail("Could not redeploy the failed function", err, "")
			return
		}
		last, redeploying = f, true
	}
	if redeploying {
		f, err := client.WaitForDeploy(ctx, id, faas.DefaultPoll)
		if f != nil {
			last = f
		}
		if err != nil {
			fail("The function's update did not deploy", err,
				"The previous settings stay in state, so the next plan shows this change again. Fix the cause, "+
					"or raise timeouts.update if the deploy only needs longer.")
			return
		}
	}
	if last == nil || !last.Complete() {
		f, err := client.GetFunction(ctx, id)
		if err != nil {
			fail("Could not read the function after updating it", err, "")
			return
		}
		last = f
	}
	plan.applyFunction(last)
	plan.settle()
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *functionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state functionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, defaultDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	id := state.ID.ValueString()
	client := r.client()

	_, err := client.DeleteFunction(ctx, id)
	if faas.IsConflict(err) {
		// The platform deletes only Running or Failed functions: let a deploy
		// in flight finish, then ask again.
		if _, werr := client.WaitUntilSettled(ctx, id, faas.DefaultPoll); werr != nil && !faas.IsNotFound(werr) {
			addWaitError(&resp.Diagnostics, "Could not delete the function", werr, "Raise timeouts.delete if the deploy needs longer.")
			return
		}
		_, err = client.DeleteFunction(ctx, id)
	}
	if faas.IsNotFound(err) {
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Could not delete the function", err, "")
		return
	}
	if err := client.WaitForDeletion(ctx, id, faas.DefaultPoll); err != nil {
		addWaitError(&resp.Diagnostics, "The function did not finish deleting", err, "Raise timeouts.delete if deletion needs longer.")
	}
}

// ImportState accepts a function ID or <name>.<namespace> (faas-v1), or a
// function's name (myaccount, where the name is the ID).
func (r *functionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := req.ID
	if !r.client().Capabilities().Namespaces {
		// MyAccount addresses functions by name alone.
		if !functionName.MatchString(id) {
			resp.Diagnostics.AddError("Invalid import ID",
				fmt.Sprintf("%q is not a function name: the MyAccount API imports a function by its name, such as my-function.", req.ID))
			return
		}
	} else if name, namespace, ok := strings.Cut(req.ID, "."); ok {
		if name == "" || namespace == "" {
			resp.Diagnostics.AddError("Invalid import ID",
				fmt.Sprintf("%q is neither a function ID nor <name>.<namespace> (for example my-function.e2e-faas-20235-dl).", req.ID))
			return
		}
		f, err := r.client().FindFunction(ctx, name, namespace)
		if err != nil {
			addAPIError(&resp.Diagnostics, "Could not find the function to import", err,
				"Check the name and namespace (terraform state show of a managed function shows both), or import by ID.")
			return
		}
		id = f.ID
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
}

// build packages the code for an apply and checks it is what the plan saw.
func (r *functionResource) build(ctx context.Context, plan *functionModel, diags *diag.Diagnostics) (*packaging.Archive, bool) {
	src, d := plan.source(ctx)
	diags.Append(d...)
	if diags.HasError() {
		return nil, false
	}
	archive, err := packaging.Build(src)
	if err != nil {
		addPackagingError(diags, err)
		return nil, false
	}
	if !plan.SourceHash.IsUnknown() && !plan.SourceHash.IsNull() && plan.SourceHash.ValueString() != archive.SourceHash {
		archive.Close()
		diags.AddAttributeError(codeAttribute(plan), "Code changed after the plan",
			"The function's code is not what terraform plan saw (its source_hash differs). Run terraform plan again, then apply.")
		return nil, false
	}
	plan.SourceHash = types.StringValue(archive.SourceHash)
	return archive, true
}

func codeAttribute(m *functionModel) path.Path {
	switch {
	case !m.CodePath.IsNull():
		return path.Root("code_path")
	case !m.CodeArchive.IsNull():
		return path.Root("code_archive")
	}
	return path.Root("code_inline")
}

func addPackagingError(diags *diag.Diagnostics, err error) {
	var inputErr *packaging.InputError
	if errors.As(err, &inputErr) {
		detail := inputErr.Message
		if inputErr.Entry != "" {
			detail = fmt.Sprintf("%s: %s", inputErr.Entry, inputErr.Message)
		}
		diags.AddAttributeError(path.Root(inputErr.Attribute), "Invalid function code", detail)
		return
	}
	diags.AddError("Could not package the function's code", err.Error())
}

func nonEmpty(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
