using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.ServiceDefaults;
using VitalTwin.ServiceDefaults.Routing;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.TwinState.Query;

namespace VitalTwin.TwinState.WhatIf;

/// <summary>
/// TwinWhatIf over gRPC: what-if questions asked of a patient's twin, with TwinQuery's access rules (a clinician, for
/// a patient on a ward the token grants), answered by the replica that holds the patient. Nothing is changed.
/// </summary>
[Authorize(Roles = Roles.Clinician)]
[BindServiceMethod(typeof(TwinWhatIfService), nameof(BindService))]
internal sealed partial class TwinWhatIfService(
    PatientAccess access,
    PatientRouter router,
    SettingsSimulator simulator,
    ProjectionCall projection) : TwinWhatIf.TwinWhatIfBase
{
    public static void BindService(ServiceBinderBase binder, TwinWhatIf.TwinWhatIfBase? service) =>
        TwinWhatIf.BindService(new StrictRequestBinder(binder), service);

    public override async Task<SettingsSimulation> SimulateSettings(SimulateSettingsRequest request, ServerCallContext context)
    {
        var caller = Caller.Of(context);
        var patientId = TwinRequests.PatientId(request.PatientId);
        if (router.Elsewhere(patientId, context) is { } owner)
        {
            return await owner.CallAsync((invoker, call) => new TwinWhatIf.TwinWhatIfClient(invoker).SimulateSettingsAsync(request, call));
        }

        var twin = await access.VisibleTwinAsync(caller, patientId, context);
        return await simulator.SimulateAsync(request, twin, caller, context);
    }

    public override async Task<Projection> Project(ProjectRequest request, ServerCallContext context)
    {
        var caller = Caller.Of(context);
        var patientId = TwinRequests.PatientId(request.PatientId);
        if (router.Elsewhere(patientId, context) is { } owner)
        {
            return await owner.CallAsync((invoker, call) => new TwinWhatIf.TwinWhatIfClient(invoker).ProjectAsync(request, call));
        }

        var question = projection.Question(request);
        var twin = await access.VisibleTwinAsync(caller, patientId, context);
        return await projection.AnswerAsync(twin, question, caller, context);
    }
}
