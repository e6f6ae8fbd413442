using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.ServiceDefaults;
using VitalTwin.ServiceDefaults.Security;
using VitalTwin.TwinState.Core;
using VitalTwin.TwinState.Core.Forecasting;
using VitalTwin.TwinState.Query;
using Consciousness = VitalTwin.Clinical.Consciousness;
using Contract = VitalTwin.Contracts.Twin.V1;

namespace VitalTwin.TwinState.WhatIf;

/// <summary>
/// TwinWhatIf.Project once the patient is known to be here and visible: the request checked against the WhatIf
/// bounds, the twin's snapshot carried forward (<see cref="TwinProjection"/>), audited like a read, and mapped back.
/// </summary>
internal sealed class ProjectionCall(TwinRegistry twins, VitalCatalogue catalogue, AuditTrail audit, PatientAccess access, IOptions<WhatIfOptions> options)
{
    /// <summary>The request as the domain takes it; INVALID_ARGUMENT naming the field for anything out of bounds.</summary>
    public ProjectionQuestion Question(ProjectRequest request)
    {
        var bounds = options.Value;
        var horizon = request.Horizon is null ? bounds.DefaultHorizon : Span(request.Horizon, "horizon");
        if (horizon <= TimeSpan.Zero || horizon > bounds.MaxHorizon)
        {
            throw TwinRequests.Invalid($"horizon must be positive and at most {bounds.MaxHorizon}");
        }

        var step = request.Step is null ? bounds.DefaultStep : Span(request.Step, "step");
        if (step < bounds.MinStep)
        {
            throw TwinRequests.Invalid($"step must be at least {bounds.MinStep}");
        }

        var adjustments = new List<Core.Forecasting.VitalAdjustment>(request.Adjustments.Count);
        foreach (var adjustment in request.Adjustments)
        {
            if (!catalogue.TryFind(adjustment.Code?.Loinc, adjustment.Code?.Mdc, out var definition))
            {
                throw TwinRequests.Invalid("adjustments names a code that is not a vital this service records");
            }

            if (adjustments.Exists(a => a.Sign == definition.Sign))
            {
                throw TwinRequests.Invalid($"adjustments names {definition.Name} more than once");
            }

            if (!double.IsFinite(adjustment.Offset) || !double.IsFinite(adjustment.TrendPerHour))
            {
                throw TwinRequests.Invalid($"the adjustment of {definition.Name} must have a finite offset and trend_per_hour");
            }

            adjustments.Add(new Core.Forecasting.VitalAdjustment(definition.Sign, adjustment.Offset, adjustment.TrendPerHour));
        }

        return new ProjectionQuestion(horizon, step)
        {
            Adjustments = adjustments,
            OnSupplementalOxygen = request.HasOnSupplementalOxygen ? request.OnSupplementalOxygen : null,
            Consciousness = request.Consciousness switch
            {
                Contract.Consciousness.Unspecified => null,
                Contract.Consciousness.Alert => Consciousness.Alert,
                Contract.Consciousness.NewConfusion => Consciousness.NewConfusion,
                Contract.Consciousness.Voice => Consciousness.Voice,
                Contract.Consciousness.Pain => Consciousness.Pain,
                Contract.Consciousness.Unresponsive => Consciousness.Unresponsive,
                _ => throw TwinRequests.Invalid("consciousness is not a known level"),
            },
        };
    }

    public async Task<Projection> AnswerAsync(Core.PatientTwin twin, ProjectionQuestion question, Caller caller, ServerCallContext context)
    {
        var snapshot = twin.Snapshot();
        // The ward may have changed since it was checked; what is disclosed is this snapshot, so it decides.
        await access.EnsureVisibleAsync(caller, snapshot.PatientId, snapshot.Context.Ward, exists: true, context);
        if (snapshot.AsOf is null)
        {
            throw await FailedAsync(context, snapshot.PatientId, "the twin has no reading yet to project");
        }

        foreach (var adjustment in question.Adjustments)
        {
            if (snapshot.Vitals.GetValueOrDefault(adjustment.Sign)?.Scored is null)
            {
                throw await FailedAsync(context, snapshot.PatientId, $"the twin has no {catalogue[adjustment.Sign].Name} to adjust");
            }
        }

        var projected = TwinProjection.Project(snapshot, question, twins.Settings);
        await audit.RecordAsync(context, [snapshot.PatientId], AuditOutcome.Allowed, "projection", context.CancellationToken);
        return ToContract(projected, snapshot.PatientId);
    }

    /// <summary>Even what the twin lacks says something of the patient: recorded like any answer before it is given.</summary>
    private async Task<RpcException> FailedAsync(ServerCallContext context, string patientId, string reason)
    {
        await audit.RecordAsync(context, [patientId], AuditOutcome.Failed, $"projection: {reason}", context.CancellationToken);
        return new RpcException(new Status(StatusCode.FailedPrecondition, reason));
    }

    private Projection ToContract(ProjectedTwin projected, string patientId)
    {
        var message = new Projection
        {
            PatientId = patientId,
            From = Timestamp.FromDateTimeOffset(projected.From),
            FirstNews25At = projected.FirstNews2Of5At is { } five ? Timestamp.FromDateTimeOffset(five) : null,
            FirstNews27At = projected.FirstNews2Of7At is { } seven ? Timestamp.FromDateTimeOffset(seven) : null,
            Disclaimer = TwinProjection.Disclaimer,
        };
        foreach (var vital in projected.Vitals)
        {
            var definition = catalogue[vital.Sign];
            var contract = new Contract.ProjectedVital { Code = definition.ToCode(), Name = definition.Name, Unit = definition.CanonicalUnit, Adjusted = vital.Adjusted };
            contract.Points.AddRange(vital.Points.Select(p => new ProjectedPoint { At = Timestamp.FromDateTimeOffset(p.At), Value = p.Value, Lower = p.Lower, Upper = p.Upper }));
            message.Vitals.Add(contract);
        }

        message.News2.AddRange(projected.News2.Select(n => new Contract.ProjectedNews2
        {
            At = Timestamp.FromDateTimeOffset(n.At),
            Total = n.News2.Total,
            AtLeast = n.AtLeast,
            AtMost = n.AtMost,
            Risk = n.Risk.ToContract(),
        }));
        return message;
    }

    private static TimeSpan Span(Duration duration, string field)
    {
        try
        {
            return duration.ToTimeSpan();
        }
        catch (InvalidOperationException)
        {
            throw TwinRequests.Invalid($"{field} is not a valid duration");
        }
    }
}
