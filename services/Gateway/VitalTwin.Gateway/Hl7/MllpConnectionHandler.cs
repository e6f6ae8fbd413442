using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Gateway.Ingestion;

namespace VitalTwin.Gateway.Hl7;

/// <summary>
/// One MLLP connection of an HL7 v2 sender: frames (<c>0x0B message 0x1C 0x0D</c>) are read one at a time, each message's
/// readings handed to the ingestion core, and its ACK written only once the core returned, so an AA or AE means Kafka
/// has every reading it does not refuse. Bytes outside a frame are skipped; a frame started again (a new start byte
/// before the end) drops the unfinished one.
/// </summary>
internal sealed partial class MllpConnectionHandler(
    Hl7Senders senders,
    ReadingIngestor ingestor,
    VitalCatalogue catalogue,
    IOptions<Hl7Options> options,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<MllpConnectionHandler> logger) : ConnectionHandler
{
    private const byte StartBlock = 0x0B;
    private const byte EndBlock = 0x1C;
    private const byte CarriageReturn = 0x0D;

    // Enough of an oversized message to read its MSH and answer it.
    private const int HeaderBytes = 4 * 1024;

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var sender = senders.Of(connection);
        var input = connection.Transport.Input;
        // Not the connection's ConnectionClosed, which fires when the sender half-closes after its last message (as
        // socat does): that message is still answered. A sender that goes away ends the reads; a message being
        // stored is stored, and acknowledged again as a duplicate when sent again.
        var stopping = lifetime.ApplicationStopping;
        try
        {
            while (await ReadFrameAsync(input, stopping) is { } frame)
            {
                if (frame.TooLarge)
                {
                    LogRefused(logger, "TOO_LARGE");
                    await WriteAsync(connection, Refusal(Header(frame.Bytes), 207, "TOO_LARGE", $"a message holds at most {options.Value.MaxMessageBytes} bytes"), stopping);
                    return;
                }
                if (sender is null)
                {
                    // Nothing of the message but its MSH is read: the AR needs its control id.
                    LogUnknownSender(logger, connection.RemoteEndPoint?.ToString());
                    await WriteAsync(connection, Refusal(Header(frame.Bytes), 207, "SENDER_UNKNOWN",
                        "the connection proves no sender: present a certificate of the system CA or connect from a listed network"), stopping);
                    return;
                }
                await WriteAsync(connection, await AnswerAsync(frame.Bytes, sender, stopping), stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The Gateway is stopping; what the sender was not acknowledged it still has.
        }
        catch (Exception ex) when (ex is ConnectionResetException or ConnectionAbortedException)
        {
            // The sender went away; likewise.
        }
    }

    private async Task<string> AnswerAsync(byte[] bytes, Sender sender, CancellationToken cancellationToken)
    {
        Hl7Message message;
        try
        {
            message = Hl7Message.Parse(bytes);
        }
        catch (Hl7ParseException ex)
        {
            LogRefused(logger, "MALFORMED");
            return Refusal(null, 102, "MALFORMED", ex.Message);
        }
        try
        {
            OruReadings.CheckHeader(message);
            var (observations, refusals) = OruReadings.Read(message, catalogue);
            var observationOf = new Dictionary<VitalSignReading, int>(ReferenceEqualityComparer.Instance);
            observations.ForEach(o => observationOf[o.Reading] = o.Observation);
            var batch = observations.Select(o => o.Reading).ToList();
            DerivedIdentity.Order(batch);
            var ack = new IngestAck();
            await ingestor.IngestAsync(batch, sender, 0, ack, cancellationToken);
            var errors = refusals
                .Select(r => new Hl7Error(r.Observation, Hl7Acknowledgement.Code(r.Reason), Hl7Acknowledgement.Name(r.Reason), r.Detail))
                .Concat(ack.Rejections.Select(r => new Hl7Error(
                    observationOf[batch[(int)r.Index]], Hl7Acknowledgement.Code(r.Reason), Hl7Acknowledgement.Name(r.Reason), r.Detail)))
                .OrderBy(e => e.Observation)
                .ToList();
            return Acknowledgement(message, errors.Count == 0 ? Hl7Acknowledgement.Accepted : Hl7Acknowledgement.Error, errors);
        }
        catch (Hl7ParseException ex)
        {
            LogRefused(logger, "MALFORMED");
            return Refusal(message, 102, "MALFORMED", ex.Message);
        }
        catch (Hl7MessageRefusedException ex)
        {
            LogRefused(logger, ex.Reason);
            return Refusal(message, ex.Code, ex.Reason, ex.Message);
        }
        catch (BatchTooLargeException ex)
        {
            LogRefused(logger, "TOO_LARGE");
            return Refusal(message, 207, "TOO_LARGE", $"a message holds at most {ex.MaxBatchSize} OBX segments");
        }
        catch (ReadingsNotStoredException)
        {
            return Refusal(message, 207, "NOT_STORED", "the readings were not stored: send the message again");
        }
        catch (ConsumersBehindException ex)
        {
            return Refusal(message, 207, "BUSY", ex.Message);
        }
    }

    /// <summary>The next frame's message; null when the connection ended, or stayed silent or half-sent past its timeout.</summary>
    private async Task<Frame?> ReadFrameAsync(PipeReader input, CancellationToken stopping)
    {
        var limits = options.Value;
        using var idle = new CancellationTokenSource(limits.IdleTimeout, clock);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stopping, idle.Token);
        CancellationTokenSource? reading = null;
        CancellationTokenSource? timed = null;
        try
        {
            var token = waiting.Token;
            while (true)
            {
                ReadResult result;
                try
                {
                    result = await input.ReadAsync(token);
                }
                catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                {
                    LogTimedOut(logger, reading is null ? "idle" : "read");
                    return null;
                }
                var buffer = result.Buffer;
                if (reading is null && !buffer.IsEmpty)
                {
                    // From the first byte of a message on, the read timeout bounds how long it may take to arrive.
                    reading = new CancellationTokenSource(limits.ReadTimeout, clock);
                    timed = CancellationTokenSource.CreateLinkedTokenSource(stopping, reading.Token);
                    token = timed.Token;
                }
                var (frame, consumed) = Find(buffer, limits.MaxMessageBytes);
                if (frame is not null)
                {
                    input.AdvanceTo(consumed);
                    return frame;
                }
                input.AdvanceTo(consumed, buffer.End);
                if (result.IsCompleted)
                {
                    return null;
                }
            }
        }
        finally
        {
            timed?.Dispose();
            reading?.Dispose();
        }
    }

    /// <summary>A whole frame in <paramref name="buffer"/>, or where the unfinished one starts (what comes before it is skipped).</summary>
    private static (Frame? Frame, SequencePosition Consumed) Find(ReadOnlySequence<byte> buffer, int maxMessageBytes)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryAdvanceTo(StartBlock, advancePastDelimiter: false))
        {
            return (null, buffer.End);
        }
        var start = reader.Position;
        reader.Advance(1);
        while (reader.TryAdvanceToAny([StartBlock, EndBlock], advancePastDelimiter: false))
        {
            var content = buffer.Slice(buffer.GetPosition(1, start), reader.Position);
            if (reader.IsNext(StartBlock))
            {
                // A new frame before this one ended: the sender gave it up.
                start = reader.Position;
                reader.Advance(1);
                continue;
            }
            reader.Advance(1);
            if (!reader.TryPeek(out var next))
            {
                break;
            }
            if (next == CarriageReturn)
            {
                reader.Advance(1);
                return content.Length > maxMessageBytes
                    ? (Frame.Oversized(content), reader.Position)
                    : (new Frame(content.ToArray(), TooLarge: false), reader.Position);
            }
        }
        var unfinished = buffer.Slice(start);
        return unfinished.Length > maxMessageBytes + 1
            ? (Frame.Oversized(unfinished.Slice(1)), buffer.End)
            : (null, start);
    }

    private static Hl7Message? Header(byte[] bytes)
    {
        var end = Array.FindIndex(bytes, b => b is CarriageReturn or (byte)'\n');
        try
        {
            return Hl7Message.Parse(bytes.AsSpan(0, end < 0 ? bytes.Length : end));
        }
        catch (Hl7ParseException)
        {
            return null;
        }
    }

    private string Refusal(Hl7Message? message, int code, string reason, string detail) =>
        Acknowledgement(message, Hl7Acknowledgement.Rejected, [new Hl7Error(null, code, reason, detail)]);

    private string Acknowledgement(Hl7Message? message, string code, IReadOnlyList<Hl7Error> errors) =>
        Hl7Acknowledgement.Build(message, code, errors, Guid.NewGuid().ToString("N")[..20], clock.GetUtcNow());

    private static async Task WriteAsync(ConnectionContext connection, string acknowledgement, CancellationToken cancellationToken)
    {
        byte[] frame = [StartBlock, .. Hl7Message.Text.GetBytes(acknowledgement), EndBlock, CarriageReturn];
        await connection.Transport.Output.WriteAsync(frame, cancellationToken);
    }

    /// <summary>A message as framed; when <see cref="TooLarge"/>, only its first bytes, enough for its MSH.</summary>
    private sealed record Frame(byte[] Bytes, bool TooLarge)
    {
        public static Frame Oversized(ReadOnlySequence<byte> content) => new(content.Slice(0, Math.Min(content.Length, HeaderBytes)).ToArray(), TooLarge: true);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "An HL7 connection from {Address} proved no sender and was refused")]
    private static partial void LogUnknownSender(ILogger logger, string? address);

    [LoggerMessage(Level = LogLevel.Debug, Message = "An HL7 message was refused whole: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "An HL7 connection was stopping at its {Timeout} timeout")]
    private static partial void LogTimedOut(ILogger logger, string timeout);
}
