namespace VitalTwin.TwinState.History;

/// <summary>
/// Port for the vitals time series of every patient. Writes are idempotent: a reading is identified by
/// patient, LOINC code, device and observation time, so replaying a batch leaves one point per reading.
/// </summary>
public interface IVitalsStore
{
    /// <summary>
    /// Stores <paramref name="points"/> and completes only once the whole batch is durable; a caller may then
    /// commit whatever made it send the batch (a Kafka offset, for instance).
    /// </summary>
    /// <exception cref="InvalidVitalPointException">A point cannot be stored (empty identifier, non-finite value…); nothing was written.</exception>
    /// <exception cref="VitalsWriteRejectedException">The store refused the batch for a reason a retry cannot fix.</exception>
    Task WriteAsync(IReadOnlyList<VitalPoint> points, CancellationToken ct);

    /// <summary>
    /// Reads one patient's history: one series per LOINC code, in time order, either raw readings or one
    /// aggregate per epoch-aligned window.
    /// </summary>
    /// <exception cref="InvalidHistoryQueryException">The query is malformed or would return more points than allowed.</exception>
    Task<IReadOnlyList<VitalSeries>> QueryAsync(HistoryQuery query, CancellationToken ct);

    /// <summary>
    /// Removes the patient's whole history, every vital at every time, and completes only once the removal is
    /// durable (a withdrawn consent's offset may then be committed). Removing a patient with no history is not an
    /// error; points written for the patient after this call are kept, so callers stop writing first.
    /// </summary>
    /// <exception cref="InvalidHistoryQueryException">The patient id is not one a point could be stored under.</exception>
    Task DeleteAsync(string patientId, CancellationToken ct);
}
