// Copyright (c) The terraform-provider-e2e authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/catalogue"
	"github.com/e2eterraformprovider/terraform-provider-e2e/internal/faas"
)

var (
	_ action.Action                   = (*invokeAction)(nil)
	_ action.ActionWithConfigure      = (*invokeAction)(nil)
	_ action.ActionWithValidateConfig = (*invokeAction)(nil)
)

// NewInvokeAction is the constructor of the e2e_faas_invoke action
// (Terraform 1.14+): one call of a deployed function through its
// invoke_url, on demand (terraform apply -invoke) or from an action_trigger
// after a deploy. It is an action, not a data source, so that nothing calls
// the function on every plan.
func NewInvokeAction() action.Action { return &invokeAction{} }

type invokeAction struct {
	data *providerData
}

type invokeModel struct {
	Function        types.String `tfsdk:"function"`
	Method          types.String `tfsdk:"method"`
	Body            types.String `tfsdk:"body"`
	Headers         types.Map    `tfsdk:"headers"`
	SuccessStatuses types.List   `tfsdk:"success_statuses"`
	Timeout         types.String `tfsdk:"timeout"`
	ShowBody        types.Bool   `tfsdk:"show_body"`
}

// The action's defaults, and how much of the answer it shows.
const (
	defaultInvokeMethod  = http.MethodGet
	defaultInvokeTimeout = 30 * time.Second
	// invokeBodyShown is how many bytes of the answer a progress message or
	// an error shows at most.
	invokeBodyShown = 512
)

func (a *invokeAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_faas_invoke"
}

func (a *invokeAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Calls a deployed function once through its `invoke_url` and reports the status, the time taken and the start " +
			"of the answer as progress messages; an answer whose status is not a success fails the apply. Run it on demand with " +
			"`terraform apply -invoke=action.e2e_faas_invoke.<name>`, or as a smoke test after a deploy from an `action_trigger` in " +
			"the function's `lifecycle`. Needs Terraform 1.14 or newer. Nothing is called at plan time.",
		Attributes: map[string]schema.Attribute{
			"function": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "The `id` of the function to call, usually `e2e_faas_function.<name>.id`. It must be `Running`.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"method": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "The HTTP method: `GET` or `POST`. Defaults to `" + defaultInvokeMethod + "`.",
				Validators:          []validator.String{stringvalidator.OneOf(http.MethodGet, http.MethodPost)},
			},
			"body": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "The request body, sent as it is (set `Content-Type` in `headers` when the function needs it).",
			},
			"headers": schema.MapAttribute{
				Optional:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Request headers, by name.",
			},
			"success_statuses": schema.ListAttribute{
				Optional:    true,
				ElementType: types.Int64Type,
				MarkdownDescription: "The HTTP statuses that count as success. Defaults to any `2xx`. Any other status fails the apply, " +
					"with the status in the message.",
				Validators: []validator.List{
					listvalidator.SizeAtLeast(1),
					listvalidator.ValueInt64sAre(int64validator.Between(100, 599)),
				},
			},
			"timeout": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "How long to wait for the answer, as a Go duration such as `30s` or `2m`. Defaults to `" +
					defaultInvokeTimeout.String() + "`.",
			},
			"show_body": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Whether progress messages and errors show the start of the answer (at most " +
					fmt.Sprint(invokeBodyShown) + " bytes). Defaults to `true`; set `false` when the answer must stay out of the output.",
			},
		},
	}
}

func (a *invokeAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	a.data = configuredData(req.ProviderData, &resp.Diagnostics)
}

func (a *invokeAction) ValidateConfig(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	var timeout types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("timeout"), &timeout)...)
	if timeout.IsNull() || timeout.IsUnknown() {
		return
	}
	if d, err := time.ParseDuration(timeout.ValueString()); err != nil || d <= 0 {
		resp.Diagnostics.AddAttributeError(path.Root("timeout"), "Invalid timeout",
			fmt.Sprintf("%q is not a positive duration: write it as a number and a unit, such as 30s, 90s or 2m.", timeout.ValueString()))
	}
}

// invocation is one call the action makes, from its configuration.
type invocation struct {
	functionID string
	method     string
	body       string
	headers    map[string]string
	success    []int64 // empty: any 2xx
	timeout    time.Duration
	showBody   bool
}

func (a *invokeAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m invokeModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	inv := invocation{
		functionID: m.Function.ValueString(),
		method:     nonEmpty(m.Method.ValueString(), defaultInvokeMethod),
		body:       m.Body.ValueString(),
		timeout:    defaultInvokeTimeout,
		showBody:   m.ShowBody.IsNull() || m.ShowBody.ValueBool(),
	}
	var diags = m.SuccessStatuses.ElementsAs(ctx, &inv.success, false)
	resp.Diagnostics.Append(diags...)
	inv.headers, diags = stringMap(ctx, m.Headers)
	resp.Diagnostics.Append(diags...)
	if !m.Timeout.IsNull() {
		inv.timeout, _ = time.ParseDuration(m.Timeout.ValueString()) // checked by ValidateConfig
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if a.data == nil {
		resp.Diagnostics.AddError("Provider not configured", "The e2e provider was not configured before the action ran. This is a bug in the provider; please report it.")
		return
	}
	progress := func(string) {}
	if resp.SendProgress != nil {
		progress = func(msg string) { resp.SendProgress(action.InvokeProgressEvent{Message: msg}) }
	}
	resp.Diagnostics.Append(inv.run(ctx, a.data.client, progress)...)
}

// run reads the function, calls its invoke_url and reports the answer
// through progress; a failure is an error that names the function.
func (inv *invocation) run(ctx context.Context, client faas.API, progress func(string)) diag.Diagnostics {
	var diags diag.Diagnostics
	f, err := client.GetFunction(ctx, inv.functionID)
	if err != nil {
		addAPIError(&diags, fmt.Sprintf("Could not read function %q to invoke it", inv.functionID), err,
			"The function attribute takes the function's id (e2e_faas_function.<name>.id).")
		return diags
	}
	fail := func(summary, format string, args ...any) diag.Diagnostics {
		diags.AddError(summary, fmt.Sprintf(format, args...))
		return diags
	}
	name := nonEmpty(f.Name, inv.functionID)
	if f.Status != faas.StatusRunning {
		why := ""
		if f.ErrorMessage != "" {
			why = " (" + f.ErrorMessage + ")"
		}
		return fail("Function not Running", "Function %q is %s%s, not Running, so it cannot be invoked. "+
			"Invoke it once its deploy has finished; a Failed function is redeployed by the next apply.", name, nonEmpty(f.Status, "of unknown status"), why)
	}
	if f.InvokeURL == "" {
		return fail("Function has no invoke URL", "The API reports no invoke_url for function %q, so it cannot be invoked.", name)
	}

	ctx, cancel := context.WithTimeout(ctx, inv.timeout)
	defer cancel()
	var body io.Reader
	if inv.body != "" {
		body = strings.NewReader(inv.body)
	}
	httpReq, err := http.NewRequestWithContext(ctx, inv.method, f.InvokeURL, body)
	if err != nil {
		return fail("Invalid invoke URL", "Function %q has the invoke_url %q, which cannot be called: %v", name, f.InvokeURL, err)
	}
	for k, v := range inv.headers {
		httpReq.Header.Set(k, v)
	}
	progress(fmt.Sprintf("%s %s (function %s)", inv.method, f.InvokeURL, name))
	start := time.Now()
	httpResp, err := cleanhttp.DefaultClient().Do(httpReq)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fail("Function did not answer in time", "Function %q did not answer %s %s within %s. Raise timeout if it needs longer.",
				name, inv.method, f.InvokeURL, inv.timeout)
		}
		return fail("Function unreachable", "Could not reach function %q at %s: %v", name, f.InvokeURL, err)
	}
	defer httpResp.Body.Close()
	shown, total, readErr := readStart(httpResp.Body, invokeBodyShown)
	took := time.Since(start).Round(time.Millisecond)
	progress(fmt.Sprintf("function %s answered %s in %s (%d bytes)", name, httpResp.Status, took, total))
	answer := ""
	if inv.showBody && total > 0 {
		answer = describeAnswer(shown, total)
		progress(answer)
	}
	if readErr != nil {
		return fail("Function answer cut short", "Function %q answered %s but its body could not be read: %v", name, httpResp.Status, readErr)
	}
	if !inv.succeeded(httpResp.StatusCode) {
		detail := fmt.Sprintf("Function %q answered %s %s with status %s, which is not a success (%s).", name, inv.method, f.InvokeURL,
			httpResp.Status, inv.successText())
		if answer != "" {
			detail += " " + answer
		}
		return fail(fmt.Sprintf("Function %s answered %d", name, httpResp.StatusCode), "%s", detail)
	}
	return diags
}

func (inv *invocation) succeeded(status int) bool {
	if len(inv.success) == 0 {
		return status >= 200 && status < 300
	}
	return slices.Contains(inv.success, int64(status))
}

func (inv *invocation) successText() string {
	if len(inv.success) == 0 {
		return "success_statuses is any 2xx"
	}
	return "success_statuses is " + catalogue.JoinValues(inv.success)
}

// readStart reads the whole body, keeping its first max bytes.
func readStart(r io.Reader, limit int) ([]byte, int64, error) {
	shown, err := io.ReadAll(io.LimitReader(r, int64(limit)))
	total := int64(len(shown))
	if err == nil {
		var rest int64
		rest, err = io.Copy(io.Discard, r)
		total += rest
	}
	return shown, total, err
}

// describeAnswer is the progress message with the start of the answer.
func describeAnswer(shown []byte, total int64) string {
	text := strings.ToValidUTF8(string(shown), "\uFFFD")
	if int64(len(shown)) < total {
		return fmt.Sprintf("answer (first %d of %d bytes): %s", len(shown), total, text)
	}
	return "answer: " + text
}
