using Grpc.Core;
using VitalTwin.Contracts.Twin.V1;

namespace VitalTwin.Dashboard.Clinical;

/// <summary>One patient's twin as it is now, kept live for one browser tab through WatchTwins filtered to them.</summary>
public sealed class PatientFeed(ClinicalApi api, LiveWatch live) : IAsyncDisposable
{
    private PatientTwin? _twin;

    /// <summary>The twin changed; raised on a timer thread.</summary>
    public event Func<Task>? Changed
    {
        add => live.Changed += value;
        remove => live.Changed -= value;
    }

    public string PatientId { get; private set; } = string.Empty;

    /// <summary>Why the view is not live right now (reconnecting, access refused); null while it is.</summary>
    public string? Problem => live.Problem;

    /// <summary>The twin's latest state; null until the watch has sent it.</summary>
    public PatientTwin? Twin => Volatile.Read(ref _twin);

    public void Start(string patientId)
    {
        PatientId = patientId;
        live.Start(WatchAsync);
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        using var call = await api.WatchTwinsAsync(new WatchTwinsRequest { PatientIds = { PatientId } }, cancellationToken);
        await foreach (var change in call.ResponseStream.ReadAllAsync(cancellationToken))
        {
            live.Problem = change.Reason is TwinChangeReason.LeftFilter or TwinChangeReason.Removed
                ? "This patient is no longer on a ward you may see, or no longer monitored here."
                : null;
            if (live.Problem is null)
            {
                Volatile.Write(ref _twin, change.Twin);
            }
            live.MarkChanged();
        }
    }

    public ValueTask DisposeAsync() => live.DisposeAsync();
}
