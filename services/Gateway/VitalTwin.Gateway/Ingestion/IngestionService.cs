using System.Globalization;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Gateway.Authentication;
using VitalTwin.ServiceDefaults;

namespace VitalTwin.Gateway.Ingestion;

[Authorize(Policy = DeviceAuthentication.Policy)]
[BindServiceMethod(typeof(IngestionService), nameof(BindService))]
internal sealed partial class IngestionService(
    ReadingIngestor ingestor,
    DeviceSignIn signIn,
    IOptions<GatewayOptions> options,
    TimeProvider clock,
    ILogger<IngestionService> logger) : VitalSignIngestion.VitalSignIngestionBase
{
    private const string RetryPushbackHeader = "grpc-retry-pushback-ms";

    public static void BindService(ServiceBinderBase binder, VitalSignIngestion.VitalSignIngestionBase? service) =>
        VitalSignIngestion.BindService(new StrictRequestBinder(binder), service);

    public override async Task<IngestAck> Ingest(VitalSignBatch request, ServerCallContext context)
    {
        var ack = new IngestAck();
        await IngestAsync(request, Sender.Device(DeviceAuthentication.DeviceOf(context)), 0, ack, context.CancellationToken);
        return ack;
    }

    public override async Task<IngestAck> IngestStream(IAsyncStreamReader<VitalSignBatch> requestStream, ServerCallContext context)
    {
        var limits = options.Value;
        var device = DeviceAuthentication.DeviceOf(context);
        var proof = DeviceAuthentication.ProofOf(context, device);
        var ack = new IngestAck();
        uint index = 0;
        var batches = 0;
        // The acknowledgement comes only at the end and lists every refused reading, so a call is bounded in
        // time, batches and readings; within the bounds each batch is stored before the next is read, which is
        // the stream's back-pressure.
        using var expired = new CancellationTokenSource(limits.MaxStreamDuration, clock);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, expired.Token);
        while (await NextAsync(requestStream, waiting.Token, expired.Token))
        {
            var batch = requestStream.Current;
            if (++batches > limits.MaxStreamBatches || index + (long)batch.Readings.Count > limits.MaxStreamReadings)
            {
                LogStreamLimit(logger, "size");
                throw new RpcException(new Status(StatusCode.ResourceExhausted,
                    $"a stream carries at most {limits.MaxStreamBatches} batches and {limits.MaxStreamReadings} readings; " +
                    "complete it for its acknowledgement and open another"));
            }
            // A stream outlives its authentication by up to MaxStreamDuration: a revocation, or a registration that
            // replaced the key it was opened with, ends it at the next batch.
            if (!signIn.StillAllowed(proof))
            {
                throw new RpcException(new Status(StatusCode.Unauthenticated, "the device was revoked or registered again since the call began"));
            }
            await IngestAsync(batch, Sender.Device(device), index, ack, context.CancellationToken);
            index += (uint)batch.Readings.Count;
        }
        return ack;
    }

    private async Task IngestAsync(VitalSignBatch batch, Sender sender, uint firstIndex, IngestAck ack, CancellationToken cancellationToken)
    {
        try
        {
            await ingestor.IngestAsync(batch.Readings, sender, firstIndex, ack, cancellationToken);
        }
        catch (BatchTooLargeException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
        }
        catch (ReadingsNotStoredException ex)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, ex.Message));
        }
        catch (ConsumersBehindException ex)
        {
            // The retry hint gRPC's own retry policy honours (gRFC A6), as every UNAVAILABLE of VitalTwin's gives it.
            throw new RpcException(
                new Status(StatusCode.Unavailable, ex.Message),
                new Metadata { { RetryPushbackHeader, ((long)ex.RetryAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) } });
        }
    }

    private async Task<bool> NextAsync(IAsyncStreamReader<VitalSignBatch> requestStream, CancellationToken waiting, CancellationToken expired)
    {
        try
        {
            return await requestStream.MoveNext(waiting);
        }
        catch (OperationCanceledException) when (expired.IsCancellationRequested)
        {
            LogStreamLimit(logger, "duration");
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"a stream stays open at most {options.Value.MaxStreamDuration}; complete it for its acknowledgement and open another"));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "An IngestStream call was ended at its {Limit} limit")]
    private static partial void LogStreamLimit(ILogger logger, string limit);
}
