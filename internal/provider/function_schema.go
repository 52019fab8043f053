// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
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

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/packaging"
)

// The validation lists and defaults of e2e_faas_function
// (DESIGN.md#validation-and-defaults). The same values feed the validators,
// the schema's descriptions (and so docs/) and the plan-time checks; the
// lists are the faas-v1 runtime catalogue's (DESIGN.md#runtime-catalogue),
// the one the local server serves and internal/api/openapi.yaml's enums repeat.
var (
	faasV1Limits  = catalogue.FaaSV1Limits
	runtimes      = catalogue.FaaSV1.Names()
	templates     = catalogue.FaaSV1.Templates()
	hardwareTypes = catalogue.FaaSV1.Hardware()
	functionName  = regexp.MustCompile(faasV1Limits.NamePattern)
	envKey        = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	handlerName   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*$`)
	// reservedEnvNames are set by the platform itself; neither an
	// environment variable nor a secret (exposed as a variable of its name)
	// may take them.
	reservedEnvNames = []string{"PORT"}
)

// functionNameValidators are the rule of a function name, for the resource
// and for the data sources' look-ups: faas-v1's limits, the wider; a dialect
// with narrower ones refuses the rest at plan time (checkDialect).
func functionNameValidators() []validator.String {
	return []validator.String{
		stringvalidator.LengthBetween(faasV1Limits.NameMin, faasV1Limits.NameMax),
		stringvalidator.RegexMatches(functionName, "must be lowercase letters, digits and hyphens, starting and ending with a letter or digit"),
	}
}

// The defaults, which also stand for a config block left out.
const (
	defaultTemplate        = catalogue.DefaultTemplate
	defaultHandler         = "handle"
	defaultMemoryMB        = 128
	defaultTimeoutSeconds  = 30
	defaultReplicas        = 1
	defaultHardwareType    = "cpu"
	defaultMinScale        = 1
	defaultMaxScale        = 5
	reservedMetadataPrefix = "com.openfaas."
)

// The design's limits, for the schema's validators and its descriptions:
// faas-v1's, the wider, from catalogue.FaaSV1Limits; the MyAccount API's own
// are its capabilities' Limits, checked at plan time (checkDialect).
var (
	nameMinLength     = faasV1Limits.NameMin
	nameMaxLength     = faasV1Limits.NameMax
	minMemoryMB       = faasV1Limits.MemoryMinMB
	maxMemoryMB       = faasV1Limits.MemoryMaxMB
	minTimeoutSeconds = int64(catalogue.TimeoutMinSeconds)
)

var defaultConfig = faas.FunctionConfig{
	MemoryMB:       defaultMemoryMB,
	TimeoutSeconds: defaultTimeoutSeconds,
	Replicas:       defaultReplicas,
	HardwareType:   defaultHardwareType,
	MinScale:       defaultMinScale,
	MaxScale:       defaultMaxScale,
}

// quoted is a list for a description: `a`, `b`, `c`.
func quoted(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = "`" + s + "`"
	}
	return strings.Join(q, ", ")
}

// functionSchema is e2e_faas_function's schema: what the user sets (required,
// then optional), what the provider computes, then the blocks.
func functionSchema(ctx context.Context) schema.Schema {
	emptyMap := types.MapValueMust(types.StringType, map[string]attr.Value{})
	emptyList := types.ListValueMust(types.StringType, []attr.Value{})
	return schema.Schema{
		MarkdownDescription: "An E2E Functions-as-a-Service function: its code, runtime, configuration, environment and secrets. " +
			"Terraform waits until each deploy is `Running` (or reports the platform's error when it is `Failed`). " +
			"Code comes from exactly one of `code_inline`, `code_path` or `code_archive`; `source_hash` is computed from the code " +
			"itself at plan time, so an edited file shows in `terraform plan` without a hash to maintain by hand.\n\n" +
			"The provider speaks two APIs (`api_flavor`): E2E's MyAccount API (`myaccount`, the default, and what E2E serves) and " +
			"the design's fuller `faas-v1` API. Where they differ:\n\n" + functionDialectTable() + "\n" + defaultTimeoutsText(),
		Attributes: map[string]schema.Attribute{
			// Required.
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: fmt.Sprintf("Function name: %d to %d lowercase letters, digits and hyphens, starting and ending with a letter or digit; "+
					"under the `myaccount` API also starting with a letter, and at most %d characters. "+
					"Unique within the namespace (`faas-v1`) or the project (`myaccount`). Changing it replaces the function.", nameMinLength, nameMaxLength, myAccountCapabilities.Limits.NameMax),
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    functionNameValidators(),
			},
			"runtime": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Runtime. With the `faas-v1` API, one of " + quoted(runtimes) + "; with the `myaccount` API (E2E's), " +
					"a runtime of the live catalogue such as `python3-http-debian` or `node18` (see `data.e2e_faas_runtimes`). " +
					"Both are checked at plan time against the live catalogue. Changing it replaces the function.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},

			// Optional: the code, from exactly one source (ConfigValidators).
			"code_inline": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The handler's source code. It is packaged as one file named for the runtime (`handler.py`, `handler.js`, " +
					"`handler.go`, …) plus `requirements.txt` when `requirements` is set. Exactly one of `code_inline`, `code_path` and `code_archive` is required.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"code_path": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Path to a directory holding the function's code. It is packed into a deterministic ZIP (sorted entries, " +
					"fixed timestamps, normalised modes), leaving out " + quoted(packaging.DefaultExcludes) + ", " +
					"the patterns of `code_excludes` and those of a `.faasignore` file in the directory. Under the `myaccount` API the directory " +
					"holds one source file, plus the runtime's requirements file (sent as `requirements` when that is not set).",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"code_archive": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Path to a ZIP file holding the function's code. It is checked (no absolute or `..` paths, no links, E2E's size limits) before anything is sent. " +
					"Under the `myaccount` API it holds one source file, plus the runtime's requirements file.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"code_excludes": schema.ListAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Gitignore-style patterns of files under `code_path` to leave out of the archive, on top of the defaults and `.faasignore`.",
				Validators: []validator.List{
					listvalidator.AlsoRequires(path.MatchRoot("code_path")),
					listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1)),
				},
			},
			"requirements": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Dependencies in the runtime's own format (for Python, the content of `requirements.txt`), installed at deploy time.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},

			// Optional, with a default (and so also computed).
			"template": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(defaultTemplate),
				MarkdownDescription: "Template (`faas-v1`): one of " + quoted(templates) + ". Defaults to `http`." + notUnderMyAccount,
				Validators:          []validator.String{stringvalidator.OneOf(templates...)},
			},
			"handler_function": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(defaultHandler),
				MarkdownDescription: "Entry point function name (`faas-v1`). Defaults to `handle`." + notUnderMyAccount,
				Validators:          []validator.String{stringvalidator.RegexMatches(handlerName, "must be an identifier such as handle or main.handler")},
			},
			"environment": schema.MapAttribute{
				Optional:    true,
				Computed:    true,
				Sensitive:   true,
				ElementType: types.StringType,
				Default:     mapdefault.StaticValue(emptyMap),
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
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				Default:     listdefault.StaticValue(emptyList),
				MarkdownDescription: "Names of secrets to expose to the function, each as an environment variable named like the secret " +
					"(`e2e_faas_secret`s with the `faas-v1` API; secrets made in the MyAccount console with E2E's API). `PORT` is reserved.",
				Validators: []validator.List{
					listvalidator.UniqueValues(),
					listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1), stringvalidator.NoneOf(reservedEnvNames...)),
				},
			},
			"labels": schema.MapAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				Default:     mapdefault.StaticValue(emptyMap),
				MarkdownDescription: "Labels (`faas-v1`). Keys starting `com.openfaas.` are the platform's and are neither accepted nor shown. " +
					"The `myaccount` API has none: setting any fails the plan.",
				Validators: []validator.Map{mapvalidator.KeysAre(noPrefix(reservedMetadataPrefix))},
			},
			"annotations": schema.MapAttribute{
				Optional:    true,
				Computed:    true,
				ElementType: types.StringType,
				Default:     mapdefault.StaticValue(emptyMap),
				MarkdownDescription: "Annotations (`faas-v1`). Keys starting `com.openfaas.` are the platform's and are neither accepted nor shown. " +
					"The `myaccount` API has none: setting any fails the plan.",
				Validators: []validator.Map{mapvalidator.KeysAre(noPrefix(reservedMetadataPrefix))},
			},

			// Computed: what the provider and the API say. UseStateForUnknown
			// where a value changes only with a redeploy or a replacement;
			// ModifyPlan marks it unknown when one is planned.
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Function ID: under the `myaccount` API the function's name, under `faas-v1` a UUID.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"source_hash": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "SHA-256 of the code's normalised manifest (relative paths, file modes and contents; never timestamps or ZIP bytes), " +
					"computed at plan time. It changes when a file is edited, added or removed, and when the deployed code was changed outside Terraform.",
			},
			"namespace": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Namespace the function lives in, such as `e2e-faas-20235-dl` (`faas-v1`; null under `myaccount`, which has no namespaces).",
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
				MarkdownDescription: "Deployed version; changes on every redeploy (`faas-v1`; null under `myaccount`, whose API does not report it).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"code_sha256": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "Hex SHA-256 of the code the API last deployed: of the archive (`faas-v1`), or of the handler's text (`myaccount`).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"invocation_count": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "Total invocations so far, as of the last refresh (`faas-v1`; null under `myaccount`, whose API does not report it).",
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
				NestedObject:        schema.NestedBlockObject{Attributes: configBlockAttributes()},
			},
			"timeouts": timeouts.Block(ctx, timeouts.Opts{
				Create: true, Update: true, Delete: true,
				CreateDescription: timeoutDescription("create and its first deploy", defaultCreateTimeout),
				UpdateDescription: timeoutDescription("an update and its redeploy", defaultUpdateTimeout),
				DeleteDescription: timeoutDescription("a delete, until the function is gone", defaultDeleteTimeout),
			}),
		},
	}
}

// configBlockAttributes are the config block's settings, all optional with a
// default; the numbers are wholeNumberType, which reads 128.5 to refuse it. A change of hardware_type replaces the function (ModifyPlan: an
// absent block is cpu too, which an attribute plan modifier would not see).
func configBlockAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"memory_mb": schema.Int64Attribute{
			Optional:   true,
			Computed:   true,
			CustomType: wholeNumberType{},
			Default:    int64default.StaticInt64(defaultMemoryMB),
			MarkdownDescription: fmt.Sprintf("Memory in MB: %s under the `myaccount` API, %s under `faas-v1`. Defaults to %d.",
				memoryText(myAccountCapabilities), memoryText(faasV1Capabilities), defaultMemoryMB),
			Validators: []validator.Int64{int64validator.Between(minMemoryMB, maxMemoryMB)},
		},
		"timeout_seconds": schema.Int64Attribute{
			Optional:   true,
			Computed:   true,
			CustomType: wholeNumberType{},
			Default:    int64default.StaticInt64(defaultTimeoutSeconds),
			MarkdownDescription: fmt.Sprintf("Execution timeout in seconds: %s under the `myaccount` API, %s under `faas-v1`. Defaults to %d.",
				timeoutText(myAccountCapabilities), timeoutText(faasV1Capabilities), defaultTimeoutSeconds),
			Validators: []validator.Int64{int64validator.Between(minTimeoutSeconds, faasV1Capabilities.Limits.TimeoutMaxSeconds)},
		},
		"replicas": schema.Int64Attribute{
			Optional:            true,
			Computed:            true,
			CustomType:          wholeNumberType{},
			Default:             int64default.StaticInt64(defaultReplicas),
			MarkdownDescription: "Replicas (`faas-v1`), 1 to 5; more than one only on `cpu`. Defaults to 1." + notUnderMyAccount,
			Validators:          []validator.Int64{int64validator.Between(1, 5)},
		},
		"hardware_type": schema.StringAttribute{
			Optional:            true,
			Computed:            true,
			Default:             stringdefault.StaticString(defaultHardwareType),
			MarkdownDescription: "`cpu` or `gpu`, as the runtime offers (`faas-v1`); under `myaccount` the runtime's one node type. Defaults to `cpu`. Changing it replaces the function.",
			Validators:          []validator.String{stringvalidator.OneOf(hardwareTypes...)},
		},
		"min_scale": schema.Int64Attribute{
			Optional:            true,
			Computed:            true,
			CustomType:          wholeNumberType{},
			Default:             int64default.StaticInt64(defaultMinScale),
			MarkdownDescription: "Minimum scale (`faas-v1`), 0 to 100, at most `max_scale`. Defaults to 1." + notUnderMyAccount,
			Validators:          []validator.Int64{int64validator.Between(0, 100)},
		},
		"max_scale": schema.Int64Attribute{
			Optional:            true,
			Computed:            true,
			CustomType:          wholeNumberType{},
			Default:             int64default.StaticInt64(defaultMaxScale),
			MarkdownDescription: "Maximum scale (`faas-v1`), 1 to 100. Defaults to 5." + notUnderMyAccount,
			Validators:          []validator.Int64{int64validator.Between(1, 100)},
		},
	}
}

// timeoutDescription is a timeouts attribute's description, with its default.
func timeoutDescription(what string, d time.Duration) string {
	return fmt.Sprintf("How long %s may take, as a duration such as `30s` or `2h45m` (units `s`, `m`, `h`). Defaults to `%s`.", what, minutes(d))
}
