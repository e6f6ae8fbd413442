using System.Runtime.CompilerServices;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Notification.Lifecycle;
using VitalTwin.ServiceDefaults;
using VitalTwin.ServiceDefaults.Routing;
using VitalTwin.ServiceDefaults.Security;

namespace VitalTwin.Notification.Desk;

/// <summary>
/// AlertDesk over gRPC: lists and watches the alert book, and hands clinicians' actions to the lifecycle,
/// answering once the resulting event is on the alerts topic. Clinicians see and act on the alerts of the wards
/// their token grants; a hospital system (integration) reads every alert and acts on none. Every access is
/// recorded in the audit trail before it is answered. A replica holds the alerts of its partitions only: lists and
/// watches also ask every other replica, and an action on an alert held elsewhere goes to the replica holding it,
/// which authorises and records it as if called directly.
/// </summary>
[BindServiceMethod(typeof(AlertDeskService), nameof(BindService))]
internal sealed partial class AlertDeskService(
    AlertBook book,
    AlertLifecycle lifecycle,
    AuditTrail audit,
    TimeProvider clock,
    AlertWatches watches,
    PatientRouter router,
    IHostApplicationLifetime lifetime,
    IOptions<AlertLifecycleOptions> options,
    IOptions<AlertDeskOptions> deskOptions,
    ILogger<AlertDeskService> logger) : AlertDesk.AlertDeskBase
{
    private const string Readers = $"{Roles.Clinician},{Roles.Integration}";
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 500;
    private const int MaxTextLength = 2000;

    public static void BindService(ServiceBinderBase binder, AlertDesk.AlertDeskBase? service) =>
        AlertDesk.BindService(new StrictRequestBinder(binder), service);

    [Authorize(Roles = Readers)]
    public override async Task<ListAlertsResponse> ListAlerts(ListAlertsRequest request, ServerCallContext context)
    {
        var caller = Caller.Of(context);
        var pageSize = request.PageSize switch
        {
            0 => DefaultPageSize,
            < 0 or > MaxPageSize => throw Invalid($"page_size must be 1-{MaxPageSize}, or 0 for {DefaultPageSize}"),
            var size => size,
        };
        IReadOnlyList<AlertView> page;
        string next;
        try
        {
            (page, next) = book.List(request.Filter, pageSize, request.PageToken, Visibility(caller));
        }
        catch (FormatException)
        {
            throw Invalid("page_token is not one this service issued");
        }
        // Every other replica lists its first page after the same position, for the caller and recorded by it; the
        // first page_size of all of them, in the book's order, is the page. A replica that does not answer fails the
        // list: a page with some partitions missing would skip their alerts for good.
        var relayedRequest = request.Clone();
        relayedRequest.PageSize = pageSize;
        var relayed = router.Everywhere(context)
            .Select(other => other.CallAsync((invoker, call) => new AlertDesk.AlertDeskClient(invoker).ListAlertsAsync(relayedRequest, call)))
            .ToList();
        await audit.RecordAsync(context, page.Select(v => v.PatientId).Distinct(StringComparer.Ordinal).ToList(), AuditOutcome.Allowed, cancellationToken: context.CancellationToken);
        var pages = await Task.WhenAll(relayed);
        var merged = page.Concat(pages.SelectMany(p => p.Alerts)).DistinctBy(v => v.AlertId).Order(AlertBook.NewestFirst).ToList();
        var response = new ListAlertsResponse();
        response.Alerts.AddRange(merged.Take(pageSize));
        if (merged.Count > pageSize || next.Length > 0 || pages.Any(p => p.NextPageToken.Length > 0))
        {
            response.NextPageToken = AlertBook.PageTokenAfter(response.Alerts[^1]);
        }
        return response;
    }

    [Authorize(Roles = Readers)]
    public override async Task WatchAlerts(WatchAlertsRequest request, IServerStreamWriter<AlertView> responseStream, ServerCallContext context)
    {
        var caller = Caller.Of(context);
        var others = router.Everywhere(context);
        using var place = watches.TryOpen() ?? throw WatchRefused();
        LogWatchOpened(logger, watches.Open);
        using var merged = new RelayedWatch<AlertView>(responseStream, "the alerts moved between replicas; open the watch again", logger);
        // The stream lasts as long as the caller's token: a clinician whose access ended sees nothing more. It ends too
        // when this replica's book drops partitions (its own feed ends), or when the replica stops: its partitions are
        // about to move, so its watches end now, for their callers to open them again where the alerts go, rather than
        // once the shutdown's wait for open calls runs out.
        await TokenExpiry.RunStreamAsync(caller, clock, cancellationToken => merged.RunAsync(
            async here =>
            {
                await foreach (var view in WatchHere(request, caller, context, here))
                {
                    await merged.WriteAsync(view, here);
                }
            },
            others,
            (invoker, call) => new AlertDesk.AlertDeskClient(invoker).WatchAlerts(request, call),
            lifetime.ApplicationStopping,
            cancellationToken), context.CancellationToken);
    }

    /// <summary>This replica's alerts for the watch, each patient recorded once, before the first of their alerts is sent.</summary>
    private async IAsyncEnumerable<AlertView> WatchHere(WatchAlertsRequest request, Caller caller, ServerCallContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var recorded = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var view in book.Watch(request.Filter, Visibility(caller), cancellationToken))
        {
            if (!recorded.Contains(view.PatientId))
            {
                await audit.RecordAsync(context, [view.PatientId], AuditOutcome.Allowed, cancellationToken: cancellationToken);
                recorded.Add(view.PatientId);
            }
            yield return view;
        }
    }

    [Authorize(Roles = Roles.Clinician)]
    public override async Task<AlertView> Acknowledge(AcknowledgeAlertRequest request, ServerCallContext context)
    {
        var alertId = AlertId(request.AlertId);
        var note = Text(request.Note, "note");
        if (await FromHolderAsync(alertId, context, (desk, call) => desk.AcknowledgeAsync(request, call)) is { } answered)
        {
            return answered;
        }
        var actor = await ActorOnAsync(alertId, context);
        var result = await lifecycle.AcknowledgeAsync(alertId, actor, note, context.CancellationToken);
        return Answer(result, "acknowledged");
    }

    [Authorize(Roles = Roles.Clinician)]
    public override async Task<AlertView> Silence(SilenceAlertRequest request, ServerCallContext context)
    {
        var alertId = AlertId(request.AlertId);
        var max = options.Value.MaxSilence;
        var duration = request.Duration ?? throw Invalid("duration is required");
        // Checked on the wire form first: one that is not normalised or lies beyond a TimeSpan does not convert.
        if (duration.Seconds < 0 || duration.Seconds > (long)max.TotalSeconds || duration.Nanos is < 0 or > 999_999_999
            || duration.ToTimeSpan() is var span && (span < TimeSpan.FromSeconds(1) || span > max))
        {
            throw Invalid($"duration must be from 1 s to {max}");
        }
        var reason = Text(request.Reason, "reason");
        if (await FromHolderAsync(alertId, context, (desk, call) => desk.SilenceAsync(request, call)) is { } answered)
        {
            return answered;
        }
        var actor = await ActorOnAsync(alertId, context);
        var result = await lifecycle.SilenceAsync(alertId, actor, duration.ToTimeSpan(), reason, context.CancellationToken);
        return Answer(result, "silenced");
    }

    [Authorize(Roles = Roles.Clinician)]
    public override async Task<AlertView> Resolve(ResolveAlertRequest request, ServerCallContext context)
    {
        var alertId = AlertId(request.AlertId);
        var note = Text(request.Note, "note");
        if (await FromHolderAsync(alertId, context, (desk, call) => desk.ResolveAsync(request, call)) is { } answered)
        {
            return answered;
        }
        var actor = await ActorOnAsync(alertId, context);
        var result = await lifecycle.ResolveAsync(alertId, actor, note, context.CancellationToken);
        return Answer(result, "resolved");
    }

    /// <summary>
    /// A hospital system reads every alert; a clinician those whose patient is on a ward granted now (an alert moves
    /// with its patient), so an alert with no ward only with the every-ward grant.
    /// </summary>
    private static Func<AlertView, bool>? Visibility(Caller caller) =>
        caller.IsIn(Roles.Integration) || caller.CoversEveryWard ? null : view => caller.MaySee(view.Ward);

    /// <summary>
    /// Null when the action is to be taken here: this replica holds the alert, or no replica does. Otherwise the
    /// answer of the replica holding it, asked with the caller's identity (an action names the alert, not its
    /// patient, so every other replica is asked; those without the alert answer NOT_FOUND).
    /// </summary>
    private async Task<AlertView?> FromHolderAsync(Guid alertId, ServerCallContext context, Func<AlertDesk.AlertDeskClient, CallOptions, AsyncUnaryCall<AlertView>> action)
    {
        if (book.Contains(alertId.ToString()))
        {
            return null;
        }
        var asked = router.Everywhere(context)
            .Select(other => other.CallAsync((invoker, call) => action(new AlertDesk.AlertDeskClient(invoker), call)))
            .ToList();
        var refusals = new List<RpcException>();
        foreach (var answer in asked)
        {
            try
            {
                return await answer;
            }
            catch (RpcException refused)
            {
                refusals.Add(refused);
            }
        }
        // Only the holder refuses otherwise than with NOT_FOUND; and a replica that did not answer may be the holder.
        var refusal = refusals.FirstOrDefault(r => r.StatusCode is not (StatusCode.NotFound or StatusCode.Unavailable))
            ?? refusals.FirstOrDefault(r => r.StatusCode == StatusCode.Unavailable);
        return refusal is null ? null : throw refusal;
    }

    /// <summary>
    /// Who acts on the alert: the token's subject, once the alert is known to be on one of their wards and the
    /// action is recorded. Refusals are recorded too; an unknown alert names no patient.
    /// </summary>
    private async Task<string> ActorOnAsync(Guid alertId, ServerCallContext context)
    {
        var caller = Caller.Of(context);
        var detail = alertId.ToString();
        if (book.Find(detail) is not { } view)
        {
            // A relayed action was sent to every replica: the one it came from records that none holds the alert.
            if (context.RequestHeaders.Get(PatientRouter.ForwardedHeader) is null)
            {
                await audit.RecordAsync(context, [], AuditOutcome.Failed, detail, context.CancellationToken);
            }
            throw new RpcException(new Status(StatusCode.NotFound, "no alert with that id is held here"));
        }
        if (!caller.MaySee(view.Ward))
        {
            await audit.RecordAsync(context, [view.PatientId], AuditOutcome.Denied, detail, context.CancellationToken);
            LogRefused(logger, context.Method);
            throw new RpcException(new Status(StatusCode.PermissionDenied, "that alert is not on a ward your token grants"));
        }
        await audit.RecordAsync(context, [view.PatientId], AuditOutcome.Allowed, detail, context.CancellationToken);
        return caller.Subject;
    }

    private AlertView Answer(AlertActionResult result, string action)
    {
        switch (result.Outcome)
        {
            // A resolved alert has no lifecycle left to act, but the book still holds it: its state is what refuses.
            case AlertActionOutcome.NotFound when book.Find(result.AlertId.ToString()) is { State: AlertState.Resolved }:
                throw new RpcException(new Status(StatusCode.FailedPrecondition, "the alert is resolved"));
            case AlertActionOutcome.NotFound:
                throw new RpcException(new Status(StatusCode.NotFound, "no alert with that id is held here"));
            case AlertActionOutcome.NotAllowed:
                throw new RpcException(new Status(StatusCode.FailedPrecondition, result.Refusal ?? "the alert's state does not allow that"));
        }
        LogAction(logger, result.AlertId, action);
        return book.Find(result.AlertId.ToString()) ?? throw new RpcException(new Status(StatusCode.Internal, "the alert vanished after the action"));
    }

    private static Guid AlertId(string alertId) =>
        Guid.TryParse(alertId, out var id) ? id : throw Invalid("alert_id must be an alert id as the alerts topic gives it");

    private static string? Text(string text, string field) =>
        text.Length > MaxTextLength ? throw Invalid($"{field} is longer than {MaxTextLength} characters")
        : text.Length == 0 ? null : text;

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    private RpcException WatchRefused()
    {
        LogWatchRefused(logger, deskOptions.Value.MaxWatches);
        return new RpcException(new Status(StatusCode.ResourceExhausted, "too many alert watches are open; try again later"));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} {Action} from the desk")]
    private static partial void LogAction(ILogger logger, Guid alertId, string action);

    [LoggerMessage(Level = LogLevel.Information, Message = "A call to {Method} was refused: the alert is outside the caller's ward grants")]
    private static partial void LogRefused(ILogger logger, string method);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Alert watch opened; {Watches} open")]
    private static partial void LogWatchOpened(ILogger logger, int watches);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert watches are all in use ({MaxWatches}); a new one was refused")]
    private static partial void LogWatchRefused(ILogger logger, int maxWatches);
}
