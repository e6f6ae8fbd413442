using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace VitalTwin.Kafka.Tests;

/// <summary>Every formatted log line of a host at every level, as a console would print it, and a way to wait for one.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Line)> _lines = new();
    private event Action? Logged;

    public IReadOnlyCollection<(LogLevel Level, string Line)> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Waits until <paramref name="count"/> lines match.</summary>
    public async Task<IReadOnlyList<string>> WaitForAsync(Func<string, bool> match, int count, TimeSpan timeout)
    {
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            if (_lines.Count(l => match(l.Line)) >= count)
            {
                enough.TrySetResult();
            }
        }
        Logged += Check;
        try
        {
            Check();
            await enough.Task.WaitAsync(timeout);
            return _lines.Select(l => l.Line).Where(match).ToList();
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{_lines.Count(l => match(l.Line))} of {count} matching lines logged within {timeout}.");
        }
        finally
        {
            Logged -= Check;
        }
    }

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            capture._lines.Enqueue((logLevel, $"{logLevel} {category}: {formatter(state, exception)}"));
            capture.Logged?.Invoke();
        }
    }
}
