using Grpc.Core;
using VitalTwin.Contracts.Telemetry.V1;

namespace VitalTwin.Gateway.Ingestion;

internal sealed class IngestionService(ReadingIngestor ingestor) : VitalSignIngestion.VitalSignIngestionBase
{
    public override async Task<IngestAck> Ingest(VitalSignBatch request, ServerCallContext context)
    {
        var ack = new IngestAck();
        await ingestor.IngestAsync(request, 0, ack, context.CancellationToken);
        return ack;
    }

    public override async Task<IngestAck> IngestStream(IAsyncStreamReader<VitalSignBatch> requestStream, ServerCallContext context)
    {
        var ack = new IngestAck();
        uint index = 0;
        // Each batch is stored before the next is read, which is the stream's back-pressure.
        await foreach (var batch in requestStream.ReadAllAsync(context.CancellationToken))
        {
            await ingestor.IngestAsync(batch, index, ack, context.CancellationToken);
            index += (uint)batch.Readings.Count;
        }
        return ack;
    }
}
