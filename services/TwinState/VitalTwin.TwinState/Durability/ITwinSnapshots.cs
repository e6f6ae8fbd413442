using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Durability;

/// <summary>Where a partition's twins are checkpointed and read back from when the partition is assigned.</summary>
internal interface ITwinSnapshots
{
    Task SaveAsync(int partition, IReadOnlyList<TwinSnapshot> twins, CancellationToken cancellationToken);

    Task<IReadOnlyList<TwinSnapshot>> LoadAsync(int partition, CancellationToken cancellationToken);

    /// <summary>Removes the patient's snapshot for good, so no later owner of the partition restores the twin.</summary>
    Task EraseAsync(int partition, string patientId, CancellationToken cancellationToken);
}
