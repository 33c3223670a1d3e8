namespace Kiln.Targets;

/// <summary>The targets that will run, in order, with those skipped before anything runs and why.</summary>
internal sealed class ExecutionPlan(IReadOnlyList<ExecutableTarget> invoked, IReadOnlyList<ExecutableTarget> order)
{
    private readonly Dictionary<ExecutableTarget, string> _skipped = [];

    public IReadOnlyList<ExecutableTarget> Invoked { get; } = invoked;

    public IReadOnlyList<ExecutableTarget> Order { get; } = order;

    public bool Contains(ExecutableTarget target) => Order.Contains(target);

    public bool IsInvoked(ExecutableTarget target) => Invoked.Contains(target);

    public string? SkipReason(ExecutableTarget target) => _skipped.GetValueOrDefault(target);

    public bool IsSkipped(ExecutableTarget target) => _skipped.ContainsKey(target);

    public void Skip(ExecutableTarget target, string reason) => _skipped.TryAdd(target, reason);
}
