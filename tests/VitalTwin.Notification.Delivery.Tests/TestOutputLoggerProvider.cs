using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace VitalTwin.Notification.Delivery.Tests;

/// <summary>One log entry with its structured values, for tests that assert on what was logged.</summary>
internal sealed record LogEntry(string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Values);

/// <summary>The host's log in the test's output, to explain a failure, and kept for tests that assert on it.</summary>
internal sealed class TestOutputLoggerProvider(ITestOutputHelper? output, LogLevel minimum = LogLevel.Information) : ILoggerProvider
{
    private readonly Signal _logged = new();

    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    /// <summary>Waits until an entry matching <paramref name="match"/> was logged after the first <paramref name="skip"/> matches.</summary>
    public async Task<LogEntry> WaitForAsync(Func<LogEntry, bool> match, int skip = 0)
    {
        LogEntry? found = null;
        await _logged.WaitUntilAsync(() => (found = Entries.Where(match).Skip(skip).FirstOrDefault()) is not null, "the expected log entry");
        return found!;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(TestOutputLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var message = formatter(state, exception);
            var values = state is IReadOnlyList<KeyValuePair<string, object?>> pairs
                ? pairs.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value)
                : new Dictionary<string, object?>();
            provider.Entries.Enqueue(new LogEntry(category, logLevel, message, values));
            provider._logged.Pulse();
            try
            {
                provider._output?.WriteLine($"{logLevel} {category}: {message}{(exception is null ? string.Empty : " " + exception.GetType().Name)}");
            }
            catch (InvalidOperationException)
            {
                // A librdkafka callback after the test ended; there is no output to write to any more.
            }
        }
    }

    private readonly ITestOutputHelper? _output = output;
    private readonly LogLevel _minimum = minimum;
}
