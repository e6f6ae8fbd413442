using Google.Protobuf;
using MassTransit;
using VitalTwin.Contracts.Alerting.V1;

namespace VitalTwin.Notification.Lifecycle;

/// <summary>
/// Asks the lifecycle state machine to act on one alert and waits until it has: each answer comes after the
/// resulting event is on the alerts topic, so a caller that then stores its Kafka offset loses nothing.
/// </summary>
public sealed class AlertLifecycle(IClientFactory clients)
{
    public Task<AlertActionResult> OpenAsync(AlertRaised raised, int partition, CancellationToken cancellationToken) =>
        RequestAsync(new OpenAlert(Guid.Parse(raised.AlertId), partition, raised.ToByteArray()), cancellationToken);

    public Task<AlertActionResult> RestoreAsync(AlertView view, int partition, CancellationToken cancellationToken) =>
        RequestAsync(new RestoreAlert(Guid.Parse(view.AlertId), partition, view.ToByteArray()), cancellationToken);

    public Task<AlertActionResult> ClearAsync(Guid alertId, string? supersededBy, CancellationToken cancellationToken) =>
        RequestAsync(new ClearAlert(alertId, supersededBy), cancellationToken);

    /// <summary>Resolves an open alert of a patient who refused or withdrew consent; <c>NotFound</c> when it is no longer open.</summary>
    public Task<AlertActionResult> WithdrawAsync(AlertView view, int partition, CancellationToken cancellationToken) =>
        RequestAsync(new WithdrawAlert(Guid.Parse(view.AlertId), view.PatientId, partition), cancellationToken);

    /// <summary>Moves an open alert to its patient's new ward; <c>NotFound</c> when it is no longer open.</summary>
    public Task<AlertActionResult> MoveAsync(Guid alertId, string ward, string sourceEventId, CancellationToken cancellationToken) =>
        RequestAsync(new MoveAlert(alertId, ward, sourceEventId), cancellationToken);

    public Task<AlertActionResult> ReleaseAsync(Guid alertId, CancellationToken cancellationToken) =>
        RequestAsync(new ReleaseAlert(alertId), cancellationToken);

    public Task<AlertActionResult> AcknowledgeAsync(Guid alertId, string actor, string? note, CancellationToken cancellationToken) =>
        RequestAsync(new AcknowledgeAlert(alertId, actor, note), cancellationToken);

    public Task<AlertActionResult> SilenceAsync(Guid alertId, string actor, TimeSpan duration, string? reason, CancellationToken cancellationToken) =>
        RequestAsync(new SilenceAlert(alertId, actor, duration, reason), cancellationToken);

    public Task<AlertActionResult> ResolveAsync(Guid alertId, string actor, string? note, CancellationToken cancellationToken) =>
        RequestAsync(new ResolveAlert(alertId, actor, note), cancellationToken);

    private async Task<AlertActionResult> RequestAsync<T>(T request, CancellationToken cancellationToken)
        where T : class
    {
        var client = clients.CreateRequestClient<T>();
        var response = await client.GetResponse<AlertActionResult>(request, cancellationToken);
        return response.Message;
    }
}
