using Microsoft.Extensions.Options;

namespace VitalTwin.TwinState.Query;

/// <summary>
/// Tells the open WatchTwins calls which twins changed. Whatever changes a twin (a reading, an anomaly, staleness,
/// a clinician's command, a partition moving away) calls <see cref="Publish"/> with the patient's id afterwards.
/// </summary>
/// <remarks>
/// Each watch keeps the set of patients changed since its reader last looked, not a queue of changes: changes are
/// coalesced by patient and the reader sends each twin's state as it is when sent. A slow reader therefore costs
/// one entry per changed patient, and a watch whose set outgrows <see cref="TwinQueryOptions.WatchBacklog"/> drops
/// it and resends every matching twin instead, so memory stays bounded and no change is lost.
/// </remarks>
internal sealed class TwinChangeFeed(IOptions<TwinQueryOptions> options)
{
    private readonly Lock _gate = new();
    private TwinWatch[] _watches = [];

    public int WatchCount => Volatile.Read(ref _watches).Length;

    /// <summary>Announces that the twin of <paramref name="patientId"/> changed or went away. Never blocks; thread-safe.</summary>
    public void Publish(string patientId)
    {
        ArgumentNullException.ThrowIfNull(patientId);
        foreach (var watch in Volatile.Read(ref _watches))
        {
            watch.Offer(patientId);
        }
    }

    /// <summary>
    /// Starts collecting changes, of <paramref name="patientIds"/> only when given; null when
    /// <see cref="TwinQueryOptions.MaxWatches"/> are open. Disposing the watch ends it.
    /// </summary>
    public TwinWatch? TryWatch(IReadOnlySet<string>? patientIds)
    {
        var settings = options.Value;
        lock (_gate)
        {
            if (_watches.Length >= settings.MaxWatches)
            {
                return null;
            }

            var watch = new TwinWatch(this, patientIds, settings.WatchBacklog);
            Volatile.Write(ref _watches, [.. _watches, watch]);
            return watch;
        }
    }

    internal void Close(TwinWatch watch)
    {
        lock (_gate)
        {
            Volatile.Write(ref _watches, Array.FindAll(_watches, w => !ReferenceEquals(w, watch)));
        }
    }
}
