using System.Diagnostics;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Amazon;

/// <summary>
/// Polls until an EC2 resource reaches a state, logging each state change and reporting progress; a bounded wait
/// that, when it runs out, says what it waited for, what it last saw and which setting raises the bound.
/// </summary>
internal sealed class Ec2Waiter(IBuildLog log, IProgressSink progress, TimeSpan interval)
{
    public IBuildLog Log => log;

    /// <summary>One poll: whether the wait is over and the state seen. A poll may also end the wait by throwing.</summary>
    public readonly record struct Observation(bool Done, string State);

    public async Task UntilAsync(
        string what,
        TimeSpan timeout,
        string timeoutSetting,
        Func<CancellationToken, Task<Observation>> poll,
        CancellationToken cancellationToken)
    {
        using var task = progress.Start($"waiting for {what}");
        var watch = Stopwatch.StartNew();
        string? last = null;
        while (true)
        {
            var observation = await poll(cancellationToken);
            if (observation.State != last)
            {
                log.Info($"{what}: {observation.State} ({watch.Elapsed.TotalSeconds:0}s)");
                last = observation.State;
            }

            if (observation.Done)
            {
                return;
            }

            if (watch.Elapsed >= timeout)
            {
                throw new KilnException(
                    $"Gave up after {Durations.Format(timeout)} waiting for {what}; it was still '{last}'.",
                    $"Raise waits.{timeoutSetting} if EC2 is just slow here, or check the resource in the EC2 console.");
            }

            await Task.Delay(interval, cancellationToken);
        }
    }
}
