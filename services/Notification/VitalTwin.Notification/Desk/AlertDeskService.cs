using Grpc.Core;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Alerting.V1;
using VitalTwin.Notification.Lifecycle;
using VitalTwin.ServiceDefaults;

namespace VitalTwin.Notification.Desk;

/// <summary>
/// AlertDesk over gRPC: lists and watches the alert book, and hands clinicians' actions to the lifecycle,
/// answering once the resulting event is on the alerts topic.
/// </summary>
[BindServiceMethod(typeof(AlertDeskService), nameof(BindService))]
internal sealed partial class AlertDeskService(
    AlertBook book,
    AlertLifecycle lifecycle,
    IOptions<AlertLifecycleOptions> options,
    ILogger<AlertDeskService> logger) : AlertDesk.AlertDeskBase
{
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 500;
    private const int MaxActorLength = 200;
    private const int MaxTextLength = 2000;

    public static void BindService(ServiceBinderBase binder, AlertDesk.AlertDeskBase? service) =>
        AlertDesk.BindService(new StrictRequestBinder(binder), service);

    public override Task<ListAlertsResponse> ListAlerts(ListAlertsRequest request, ServerCallContext context)
    {
        var pageSize = request.PageSize switch
        {
            0 => DefaultPageSize,
            < 0 or > MaxPageSize => throw Invalid($"page_size must be 1-{MaxPageSize}, or 0 for {DefaultPageSize}"),
            var size => size,
        };
        try
        {
            var (page, next) = book.List(request.Filter, pageSize, request.PageToken);
            var response = new ListAlertsResponse { NextPageToken = next };
            response.Alerts.AddRange(page);
            return Task.FromResult(response);
        }
        catch (FormatException)
        {
            throw Invalid("page_token is not one this service issued");
        }
    }

    public override async Task WatchAlerts(WatchAlertsRequest request, IServerStreamWriter<AlertView> responseStream, ServerCallContext context)
    {
        LogWatchOpened(logger);
        try
        {
            await foreach (var view in book.Watch(request.Filter, context.CancellationToken))
            {
                await responseStream.WriteAsync(view, context.CancellationToken);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
        }
    }

    public override async Task<AlertView> Acknowledge(AcknowledgeAlertRequest request, ServerCallContext context)
    {
        var alertId = AlertId(request.AlertId);
        var result = await lifecycle.AcknowledgeAsync(alertId, Actor(request.Actor), Text(request.Note, "note"), context.CancellationToken);
        return Answer(result, "acknowledged");
    }

    public override async Task<AlertView> Silence(SilenceAlertRequest request, ServerCallContext context)
    {
        var alertId = AlertId(request.AlertId);
        var actor = Actor(request.Actor);
        var max = options.Value.MaxSilence;
        var duration = request.Duration ?? throw Invalid("duration is required");
        // Checked on the wire form first: one that is not normalised or lies beyond a TimeSpan does not convert.
        if (duration.Seconds < 0 || duration.Seconds > (long)max.TotalSeconds || duration.Nanos is < 0 or > 999_999_999
            || duration.ToTimeSpan() is var span && (span < TimeSpan.FromSeconds(1) || span > max))
        {
            throw Invalid($"duration must be from 1 s to {max}");
        }
        var result = await lifecycle.SilenceAsync(alertId, actor, duration.ToTimeSpan(), Text(request.Reason, "reason"), context.CancellationToken);
        return Answer(result, "silenced");
    }

    public override async Task<AlertView> Resolve(ResolveAlertRequest request, ServerCallContext context)
    {
        var alertId = AlertId(request.AlertId);
        var result = await lifecycle.ResolveAsync(alertId, Actor(request.Actor), Text(request.Note, "note"), context.CancellationToken);
        return Answer(result, "resolved");
    }

    private AlertView Answer(AlertActionResult result, string action)
    {
        switch (result.Outcome)
        {
            case AlertActionOutcome.NotFound:
                throw new RpcException(new Status(StatusCode.NotFound, "no open alert with that id is held here"));
            case AlertActionOutcome.NotAllowed:
                throw new RpcException(new Status(StatusCode.FailedPrecondition, result.Refusal ?? "the alert's state does not allow that"));
        }
        LogAction(logger, result.AlertId, action);
        return book.Find(result.AlertId.ToString()) ?? throw new RpcException(new Status(StatusCode.Internal, "the alert vanished after the action"));
    }

    private static Guid AlertId(string alertId) =>
        Guid.TryParse(alertId, out var id) ? id : throw Invalid("alert_id must be an alert id as the alerts topic gives it");

    private static string Actor(string actor) =>
        string.IsNullOrWhiteSpace(actor) ? throw Invalid("actor is required: who is acting")
        : actor.Length > MaxActorLength ? throw Invalid($"actor is longer than {MaxActorLength} characters")
        : actor;

    private static string? Text(string text, string field) =>
        text.Length > MaxTextLength ? throw Invalid($"{field} is longer than {MaxTextLength} characters")
        : text.Length == 0 ? null : text;

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} {Action} from the desk")]
    private static partial void LogAction(ILogger logger, Guid alertId, string action);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Alert watch opened")]
    private static partial void LogWatchOpened(ILogger logger);
}
