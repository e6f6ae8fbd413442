using Grpc.Core;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.ServiceDefaults;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Query;

/// <summary>
/// Whether a clinician may see or change a patient, for every gRPC service of TwinState: only patients on the wards the
/// token grants. Every refusal is recorded in the audit trail before it is made, and refusals read alike whatever the
/// reason, so a caller learns nothing of a patient outside their wards.
/// </summary>
internal sealed class PatientAccess(TwinRegistry twins, AuditTrail audit, ILogger<PatientAccess> logger)
{
    /// <summary>
    /// The patient's twin when the caller may see it. A patient with no twin here has no ward, so only a caller
    /// granted every ward learns that it is unknown: others are refused alike, whether it exists or not.
    /// </summary>
    public async Task<PatientTwin> VisibleTwinAsync(Caller caller, string patientId, ServerCallContext context)
    {
        var exists = twins.TryGet(patientId, out var twin);
        await EnsureVisibleAsync(caller, patientId, twin?.Context.Ward, exists, context);
        if (!exists)
        {
            await audit.RecordAsync(context, [patientId], AuditOutcome.Failed, "no twin", context.CancellationToken);
            throw TwinRequests.NotFound("no twin for that patient");
        }

        return twin!;
    }

    public async Task EnsureVisibleAsync(Caller caller, string patientId, string? ward, bool exists, ServerCallContext context)
    {
        if (!caller.MaySee(ward))
        {
            await DenyAsync(context, patientId, !exists ? "no twin here" : ward is null ? "no ward recorded" : $"ward {ward} not granted");
        }
    }

    /// <summary>Records the refusal, then refuses; the caller is told the same whatever the reason, so it learns nothing of the patient.</summary>
    public async Task DenyAsync(ServerCallContext context, string patientId, string detail)
    {
        await audit.RecordAsync(context, [patientId], AuditOutcome.Denied, detail, context.CancellationToken);
        TwinQueryLog.WardRefused(logger, context.Method);
        throw new RpcException(new Status(StatusCode.PermissionDenied, "that patient is not on a ward your token grants"));
    }
}
