using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.DeviceTransports;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Simulator.Streaming;

/// <summary>What a stream sent and what the Gateway made of it.</summary>
internal sealed record StreamTotals(long Sent, long Accepted, long Rejected, int Registrations);

/// <summary>
/// The simulated devices' side of the Gateway: registrations (gRPC, as the hospital's registration system makes them),
/// and readings sent per device in order, in batches, many devices at once, through whichever front door
/// <paramref name="transport"/> is. A batch the Gateway could not store stays queued and is sent again, as a device
/// would; its readings keep their sequence numbers, so the resend is recognisable downstream. Each device sends with
/// the credential its latest registration returned; registrations carry the registrar's <paramref name="accessToken"/>,
/// and name the transport's ingest system when it sends for the devices behind it.
/// </summary>
internal sealed partial class GatewayLink(
    IDeviceTransport transport,
    DeviceRegistry.DeviceRegistryClient registry,
    int maxConcurrentCalls,
    TimeProvider clock,
    ILogger logger,
    string? accessToken = null)
{
    /// <summary>Below the Gateway's default MaxBatchSize (1,000).</summary>
    public const int BatchSize = 500;

    private static readonly TimeSpan RegistrationRetryDelay = TimeSpan.FromSeconds(1);
    private const int RegistrationAttempts = 10;

    private readonly Dictionary<string, List<VitalSignReading>> _outbox = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DeviceLogin> _logins = new(StringComparer.Ordinal);
    private long _sent;
    private long _accepted;
    private long _rejected;
    private int _registrations;

    public int Pending => _outbox.Values.Sum(queue => queue.Count);

    public StreamTotals Totals => new(_sent, _accepted, _rejected, _registrations);

    /// <summary>
    /// Binds the device to the patient from <paramref name="boundFrom"/> (unset: from when the Gateway takes it);
    /// readings are attributed by the binding in force when they were observed, so a moved device's earlier readings
    /// stay with its first patient. The device switches to the credential this registration returns: the previous
    /// one stops working.
    /// </summary>
    public async Task RegisterAsync(string deviceId, string patientId, DateTimeOffset? boundFrom, CancellationToken cancellationToken)
    {
        var request = new RegisterDeviceRequest
        {
            DeviceId = deviceId,
            PatientId = patientId,
            BoundFrom = boundFrom is { } from ? Timestamp.FromDateTimeOffset(from) : null,
            IngestSystem = transport.IngestSystem ?? string.Empty,
        };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var response = await registry.RegisterDeviceAsync(request, GatewayCredentials.Registrar(accessToken), cancellationToken: cancellationToken);
                _logins[deviceId] = new DeviceLogin(deviceId, response.DeviceCredential);
                _registrations++;
                LogRegistered(logger, response.Rebound);
                return;
            }
            catch (RpcException ex) when (GatewayCredentials.IsRefusal(ex))
            {
                throw GatewayCredentials.RegistrationRefused(ex);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded && attempt < RegistrationAttempts)
            {
                LogRegistrationRetry(logger, ex.StatusCode);
                await Task.Delay(RegistrationRetryDelay, clock, cancellationToken);
            }
        }
    }

    public void Enqueue(VitalSignReading reading)
    {
        if (!_outbox.TryGetValue(reading.DeviceId, out var queue))
        {
            queue = [];
            _outbox[reading.DeviceId] = queue;
        }
        queue.Add(reading);
    }

    /// <summary>Sends every queued reading; what the Gateway could not store stays queued for the next call.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var queues = _outbox.Where(q => q.Value.Count > 0).ToList();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxConcurrentCalls, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(queues, parallel, async (entry, ct) =>
        {
            var (deviceId, queue) = entry;
            // A device never registered has no credential: the Gateway would refuse every reading of it.
            if (!_logins.TryGetValue(deviceId, out var login))
            {
                Interlocked.Add(ref _sent, queue.Count);
                Interlocked.Add(ref _rejected, queue.Count);
                LogUnregistered(logger, queue.Count);
                queue.Clear();
                return;
            }
            while (queue.Count > 0)
            {
                var count = Math.Min(queue.Count, BatchSize);
                IngestAck ack;
                try
                {
                    ack = await transport.SendAsync(login, queue.GetRange(0, count), ct);
                }
                catch (GatewayUnavailableException)
                {
                    LogResend(logger, transport.Kind);
                    return;
                }
                queue.RemoveRange(0, count);
                Interlocked.Add(ref _sent, count);
                Interlocked.Add(ref _accepted, ack.Accepted);
                Interlocked.Add(ref _rejected, ack.Rejected);
                foreach (var rejection in ack.Rejections)
                {
                    LogRejected(logger, rejection.Reason);
                }
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Device registered (moved from another patient: {Rebound})")]
    private static partial void LogRegistered(ILogger logger, bool rebound);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway did not take a device registration ({Status}); trying again")]
    private static partial void LogRegistrationRetry(ILogger logger, StatusCode status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway did not store a batch sent over {Transport}; it will be sent again")]
    private static partial void LogResend(ILogger logger, DeviceTransportKind transport);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} readings of a device that was never registered were dropped")]
    private static partial void LogUnregistered(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Gateway rejected a reading: {Reason}")]
    private static partial void LogRejected(ILogger logger, RejectionReason reason);
}
