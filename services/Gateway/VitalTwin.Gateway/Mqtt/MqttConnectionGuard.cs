using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace VitalTwin.Gateway.Mqtt;

/// <summary>
/// Stands between an MQTT connection's bytes and MQTTnet, which would otherwise buffer a packet of any declared size
/// and wait for a CONNECT for as long as a client cares to dribble it. It reads each packet's fixed header as the bytes
/// pass and closes the connection when a packet declares more than <see cref="MqttOptions.MaxPacketBytes"/>, when the
/// first packet (the CONNECT) is not whole within <see cref="MqttOptions.ConnectTimeout"/>, or when nothing arrives for
/// <see cref="MqttOptions.IdleTimeout"/>. Both times run on the service's clock.
/// </summary>
internal sealed partial class MqttConnectionGuard(IOptions<MqttOptions> options, TimeProvider clock, ILogger<MqttConnectionGuard> logger)
{
    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var limits = options.Value;
        var transport = connection.Transport;
        var checkedInput = new Pipe(new PipeOptions(pauseWriterThreshold: limits.MaxPacketBytes + 64L, resumeWriterThreshold: limits.MaxPacketBytes / 2 + 32L));
        var framing = new MqttFraming(limits.MaxPacketBytes);
        void Close(string reason)
        {
            LogClosed(logger, reason);
            transport.Input.CancelPendingRead();
            connection.Abort(new ConnectionAbortedException(reason));
        }
        using var connectDeadline = clock.CreateTimer(_ =>
        {
            if (!framing.FirstPacketComplete)
            {
                Close("no whole CONNECT in time");
            }
        }, null, limits.ConnectTimeout, Timeout.InfiniteTimeSpan);
        using var idle = clock.CreateTimer(_ => Close("idle"), null, limits.IdleTimeout, Timeout.InfiniteTimeSpan);
        var pump = PumpAsync(transport.Input, checkedInput.Writer, framing, () => idle.Change(limits.IdleTimeout, Timeout.InfiniteTimeSpan), Close);
        connection.Transport = new DuplexPipe(checkedInput.Reader, transport.Output);
        try
        {
            await next(connection);
        }
        finally
        {
            connection.Transport = transport;
            transport.Input.CancelPendingRead();
            await checkedInput.Reader.CompleteAsync();
            await pump;
        }
    }

    private static async Task PumpAsync(PipeReader input, PipeWriter output, MqttFraming framing, Action received, Action<string> close)
    {
        try
        {
            while (true)
            {
                var read = await input.ReadAsync();
                if (read.IsCanceled)
                {
                    break;
                }
                var buffer = read.Buffer;
                foreach (var segment in buffer)
                {
                    if (!framing.Accept(segment.Span))
                    {
                        input.AdvanceTo(buffer.End);
                        close(framing.Refusal!);
                        return;
                    }
                    output.Write(segment.Span);
                }
                input.AdvanceTo(buffer.End);
                if (!buffer.IsEmpty)
                {
                    received();
                }
                var flushed = await output.FlushAsync();
                if (read.IsCompleted || flushed.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or InvalidOperationException or OperationCanceledException)
        {
            // The connection went away; MQTTnet sees the end of its input.
        }
        finally
        {
            await output.CompleteAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "An MQTT connection was closed by the guard: {Reason}")]
    private static partial void LogClosed(ILogger logger, string reason);

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}

/// <summary>
/// Follows MQTT's framing (a type byte, the remaining length as a variable byte integer of at most four bytes, then
/// that many bytes) across reads, without decoding packets.
/// </summary>
internal sealed class MqttFraming(int maxPacketBytes)
{
    private int _lengthBytes;
    private long _length;
    private long _bodyLeft;
    private State _state = State.Type;

    private enum State
    {
        Type,
        Length,
        Body,
    }

    public bool FirstPacketComplete { get; private set; }

    /// <summary>Why the bytes were refused, when <see cref="Accept"/> returned false.</summary>
    public string? Refusal { get; private set; }

    public bool Accept(ReadOnlySpan<byte> bytes)
    {
        var position = 0;
        while (position < bytes.Length)
        {
            switch (_state)
            {
                case State.Type:
                    position++;
                    (_state, _lengthBytes, _length) = (State.Length, 0, 0);
                    break;
                case State.Length:
                    var next = bytes[position++];
                    _length |= (long)(next & 0x7F) << (7 * _lengthBytes);
                    _lengthBytes++;
                    if ((next & 0x80) != 0)
                    {
                        if (_lengthBytes == 4)
                        {
                            Refusal = "malformed remaining length";
                            return false;
                        }
                        break;
                    }
                    if (1 + _lengthBytes + _length > maxPacketBytes)
                    {
                        Refusal = $"a packet declared more than {maxPacketBytes} bytes";
                        return false;
                    }
                    _bodyLeft = _length;
                    _state = State.Body;
                    if (_bodyLeft == 0)
                    {
                        Completed();
                    }
                    break;
                case State.Body:
                    var take = (int)Math.Min(_bodyLeft, bytes.Length - position);
                    position += take;
                    _bodyLeft -= take;
                    if (_bodyLeft == 0)
                    {
                        Completed();
                    }
                    break;
            }
        }
        return true;
    }

    private void Completed()
    {
        FirstPacketComplete = true;
        _state = State.Type;
    }
}
