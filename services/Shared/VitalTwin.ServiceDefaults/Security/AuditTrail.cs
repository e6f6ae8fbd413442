using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Audit.V1;
using VitalTwin.Kafka;

namespace VitalTwin.ServiceDefaults.Security;

/// <summary>
/// Records who accessed whose data, what they did, when and why, on the append-only audit topic. A service
/// records before it answers and fails the call when the record cannot be made: an access that leaves no trace
/// must not happen. The events name patients and actions, never a vital value.
/// </summary>
public sealed class AuditTrail(EventProducer producer, IOptions<KafkaTopics> topics, TimeProvider clock, IHostEnvironment environment)
{
    private const string Unspecified = "unspecified";

    // A purpose is a short code (TREAT, OPERATIONS, ...); a longer header is cut rather than stored whole.
    private const int MaxPurposeLength = 64;

    /// <summary>Records one event per patient of a gRPC call (one event keyed by the caller when it names no patient).</summary>
    /// <exception cref="RpcException">UNAVAILABLE: the audit topic did not take the record; the caller must not be answered with data.</exception>
    public Task RecordAsync(ServerCallContext call, IReadOnlyCollection<string> patientIds, AuditOutcome outcome, string detail = "", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        // Named as the authorization refusals are, from the request path: "package.Service/Method".
        return RecordAsync(call.GetHttpContext(), call.Method.TrimStart('/'), patientIds, outcome, detail, cancellationToken);
    }

    /// <inheritdoc cref="RecordAsync(ServerCallContext, IReadOnlyCollection{string}, AuditOutcome, string, CancellationToken)"/>
    public async Task RecordAsync(HttpContext http, string action, IReadOnlyCollection<string> patientIds, AuditOutcome outcome, string detail = "", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(patientIds);
        var caller = Caller.From(http.User);
        var actor = caller?.Subject ?? string.Empty;
        var template = new AccessAudited
        {
            OccurredAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
            Actor = actor,
            Service = environment.ApplicationName,
            Action = action,
            Outcome = outcome,
            Purpose = Purpose(http),
            Detail = detail,
            TraceId = Activity.Current?.TraceId.ToHexString() ?? string.Empty,
        };
        if (caller is not null)
        {
            template.Roles.AddRange(caller.Roles.Order(StringComparer.Ordinal));
        }
        var records = patientIds.Count == 0
            ? [Publish(template.Clone(), key: actor, cancellationToken)]
            : patientIds.Select(patientId =>
            {
                var record = template.Clone();
                record.PatientId = patientId;
                return Publish(record, key: patientId, cancellationToken);
            }).ToList();
        try
        {
            await Task.WhenAll(records);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the access could not be recorded in the audit trail; nothing was disclosed, try again"), ex.Message);
        }
    }

    private Task Publish(AccessAudited record, string key, CancellationToken cancellationToken)
    {
        record.AuditId = Guid.CreateVersion7(clock.GetUtcNow()).ToString();
        return producer.PublishAsync(topics.Value.Audit, key, record, record.AuditId, cancellationToken);
    }

    private static string Purpose(HttpContext http)
    {
        var purpose = http.Request.Headers[ApiAuthentication.PurposeHeader].ToString().Trim();
        return purpose.Length == 0 ? Unspecified : purpose[..Math.Min(purpose.Length, MaxPurposeLength)];
    }
}
