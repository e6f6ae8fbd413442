using Grpc.Core;
using VitalTwin.Contracts.Twin.V1;

namespace VitalTwin.Dashboard.Clinical;

/// <summary>One patient's twin as it is now, kept live for one browser tab through WatchTwins filtered to them.</summary>
public sealed class PatientFeed(ClinicalApi api, LiveWatch live) : IAsyncDisposable
{
    private PatientTwin? _twin;
    private volatile bool _left;

    /// <summary>The twin changed; raised on a timer thread.</summary>
    public event Func<Task>? Changed
    {
        add => live.Changed += value;
        remove => live.Changed -= value;
    }

    public string PatientId { get; private set; } = string.Empty;

    /// <summary>Why the view is not live right now (reconnecting, access refused); null while it is.</summary>
    public string? Problem => live.Problem;

    /// <summary>Whether the user may no longer see the patient (moved to a ward not granted, session over): show nothing of them.</summary>
    public bool Refused => live.Refused || _left;

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
            switch (change.Reason)
            {
                case TwinChangeReason.LeftFilter:
                    _left = true;
                    live.Problem = "This patient is no longer on a ward you may see.";
                    break;
                case TwinChangeReason.Removed:
                    // The twin moved to another replica: the watch ends UNAVAILABLE and is opened again there.
                    live.Problem = "Reconnecting: the view is not live.";
                    break;
                default:
                    _left = false;
                    live.Problem = null;
                    Volatile.Write(ref _twin, change.Twin);
                    break;
            }
            live.MarkChanged();
        }
    }

    public ValueTask DisposeAsync() => live.DisposeAsync();
}
