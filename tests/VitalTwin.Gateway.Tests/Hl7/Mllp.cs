using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using VitalTwin.Gateway.Hl7;

namespace VitalTwin.Gateway.Tests.Hl7;

/// <summary>MLLP frames, and Debian's socat as the outside client that sends them and prints what comes back.</summary>
internal static class Mllp
{
    public const byte StartBlock = 0x0B;
    public const byte EndBlock = 0x1C;
    public const byte CarriageReturn = 0x0D;

    public static byte[] Frame(string message) => [StartBlock, .. Encoding.UTF8.GetBytes(message), EndBlock, CarriageReturn];

    /// <summary>Where the Gateway's HL7 door listens.</summary>
    public static IPEndPoint Endpoint(GatewayServer gateway) =>
        gateway.Services.GetRequiredService<Hl7Listener>().Endpoint ?? throw new InvalidOperationException("the HL7 door is off");

    /// <summary>
    /// Runs <c>socat</c> with <paramref name="input"/> on its stdin and returns the acknowledgements it printed, once it
    /// exited: after its stdin ends it half-closes the connection and waits for the Gateway to close it.
    /// </summary>
    public static async Task<IReadOnlyList<string>> SocatAsync(byte[] input, string address)
    {
        using var socat = Process.Start(new ProcessStartInfo("socat", ["-t", "10", "-", address])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("socat did not start");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = new MemoryStream();
        var reading = socat.StandardOutput.BaseStream.CopyToAsync(output, deadline.Token);
        var errors = socat.StandardError.ReadToEndAsync(deadline.Token);
        await socat.StandardInput.BaseStream.WriteAsync(input, deadline.Token);
        socat.StandardInput.Close();
        await socat.WaitForExitAsync(deadline.Token);
        await reading;
        Assert.True(socat.ExitCode == 0, $"socat exited with {socat.ExitCode}: {await errors}");
        return Frames(output.ToArray());
    }

    public static Task<IReadOnlyList<string>> SocatAsync(GatewayServer gateway, string bind, params string[] messages) =>
        SocatAsync([.. messages.SelectMany(Frame)], $"TCP:127.0.0.1:{Endpoint(gateway).Port},bind={bind}");

    /// <summary>The messages of every whole frame in <paramref name="bytes"/>.</summary>
    public static IReadOnlyList<string> Frames(byte[] bytes)
    {
        var frames = new List<string>();
        var start = -1;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == StartBlock)
            {
                start = i + 1;
            }
            else if (start >= 0 && bytes[i] == EndBlock && i + 1 < bytes.Length && bytes[i + 1] == CarriageReturn)
            {
                frames.Add(Encoding.UTF8.GetString(bytes, start, i - start));
                start = -1;
            }
        }
        return frames;
    }

    /// <summary>A raw connection from <paramref name="bind"/> to the door, for what socat cannot pace: oversized and half-sent frames.</summary>
    public static async Task<TcpClient> ConnectAsync(GatewayServer gateway, string bind)
    {
        var client = new TcpClient(new IPEndPoint(IPAddress.Parse(bind), 0));
        await client.ConnectAsync(Endpoint(gateway));
        return client;
    }

    /// <summary>Reads until the Gateway closes the connection; every frame it sent before.</summary>
    public static async Task<IReadOnlyList<string>> ReadToCloseAsync(Stream stream)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, deadline.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // Reset: the Gateway closed with our bytes unread, after what it sent.
        }
        return Frames(received.ToArray());
    }
}

/// <summary>An acknowledgement as the tests read it: MSA-1, MSA-2, and each ERR's location, table 0357 code, reason and text.</summary>
internal sealed record Ack(string Code, string ControlId, string Version, IReadOnlyList<AckError> Errors)
{
    public static Ack Parse(string message)
    {
        var segments = message.Split('\r', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Split('|')).ToList();
        var msh = segments.Single(s => s[0] == "MSH");
        Assert.Equal("ACK^R01^ACK", msh[8]);
        var msa = segments.Single(s => s[0] == "MSA");
        var errors = segments.Where(s => s[0] == "ERR")
            .Select(s => new AckError(s[2], s[3].Split('^')[0], s[5].Split('^')[0], s[8]))
            .ToList();
        return new Ack(msa[1], msa[2], msh[11], errors);
    }
}

internal sealed record AckError(string Location, string Code, string Reason, string Text);
