using Mono.Cecil;

namespace Kiln.Tests.Architecture;

/// <summary>
/// Reads an assembly's IL with Mono.Cecil and lists every reference from a type to a type of a higher layer, or of
/// another part of the same layer: signatures, attributes, locals and the operands of method bodies, so a reference
/// only made inside a lambda or an async method counts too.
/// </summary>
internal sealed class LayerCheck(IReadOnlyList<IReadOnlyList<string>> layers)
{
    private readonly List<(string Part, int Layer)> _parts =
        [.. layers.SelectMany((parts, layer) => parts.Select(part => (part, layer))).OrderByDescending(p => p.part.Length)];

    /// <summary>Namespaces of the assembly's own types that no part claims.</summary>
    public IReadOnlyList<string> Unplaced(ModuleDefinition module) =>
        [.. module.Types.Select(t => t.Namespace).Where(n => n.StartsWith("Kiln", StringComparison.Ordinal) && PartOf(n) is null).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>One line per backwards reference: which type uses which, and the layers of both.</summary>
    public IReadOnlyList<string> Violations(ModuleDefinition module)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in module.Types)
        {
            if (PartOf(type.Namespace) is not { } from)
            {
                continue;
            }

            foreach (var used in References(type).Select(Outermost).Where(r => r.Module == module || r.Scope == module))
            {
                if (PartOf(used.Namespace) is { } to && to.Part != from.Part && to.Layer >= from.Layer)
                {
                    var why = to.Layer == from.Layer ? "a sibling in the same layer" : "a higher layer";
                    found.Add($"{type.FullName} ({from.Part}, layer {from.Layer}) uses {used.FullName} ({to.Part}, layer {to.Layer}): {why}");
                }
            }
        }

        return [.. found];
    }

    private (string Part, int Layer)? PartOf(string ns)
    {
        foreach (var part in _parts)
        {
            if (ns == part.Part || ns.StartsWith(part.Part + ".", StringComparison.Ordinal))
            {
                return part;
            }
        }

        return null;
    }

    private static TypeReference Outermost(TypeReference type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type;
    }

    private static IEnumerable<TypeReference> References(TypeDefinition type)
    {
        var seen = new List<TypeReference>();
        void Add(TypeReference? reference)
        {
            switch (reference)
            {
                case null or GenericParameter:
                    return;
                case GenericInstanceType generic:
                    Add(generic.ElementType);
                    foreach (var argument in generic.GenericArguments)
                    {
                        Add(argument);
                    }

                    return;
                case TypeSpecification specification:
                    Add(specification.ElementType);
                    return;
                default:
                    seen.Add(reference);
                    return;
            }
        }

        void AddAttributes(ICustomAttributeProvider provider)
        {
            foreach (var attribute in provider.CustomAttributes)
            {
                Add(attribute.AttributeType);
            }
        }

        void AddMethod(MethodReference method)
        {
            Add(method.DeclaringType);
            Add(method.ReturnType);
            foreach (var parameter in method.Parameters)
            {
                Add(parameter.ParameterType);
            }

            if (method is GenericInstanceMethod generic)
            {
                foreach (var argument in generic.GenericArguments)
                {
                    Add(argument);
                }
            }
        }

        foreach (var nested in Flatten(type))
        {
            Add(nested.BaseType);
            AddAttributes(nested);
            foreach (var implemented in nested.Interfaces)
            {
                Add(implemented.InterfaceType);
            }

            foreach (var constraint in nested.GenericParameters.SelectMany(p => p.Constraints))
            {
                Add(constraint.ConstraintType);
            }

            foreach (var field in nested.Fields)
            {
                Add(field.FieldType);
                AddAttributes(field);
            }

            foreach (var property in nested.Properties)
            {
                Add(property.PropertyType);
                AddAttributes(property);
            }

            foreach (var @event in nested.Events)
            {
                Add(@event.EventType);
            }

            foreach (var method in nested.Methods)
            {
                AddMethod(method);
                AddAttributes(method);
                foreach (var constraint in method.GenericParameters.SelectMany(p => p.Constraints))
                {
                    Add(constraint.ConstraintType);
                }

                if (!method.HasBody)
                {
                    continue;
                }

                foreach (var variable in method.Body.Variables)
                {
                    Add(variable.VariableType);
                }

                foreach (var instruction in method.Body.Instructions)
                {
                    switch (instruction.Operand)
                    {
                        case TypeReference operand:
                            Add(operand);
                            break;
                        case MethodReference operand:
                            AddMethod(operand);
                            break;
                        case FieldReference operand:
                            Add(operand.DeclaringType);
                            Add(operand.FieldType);
                            break;
                        case CallSite site:
                            Add(site.ReturnType);
                            break;
                    }
                }
            }
        }

        return seen;
    }

    private static IEnumerable<TypeDefinition> Flatten(TypeDefinition type) =>
        type.NestedTypes.SelectMany(Flatten).Prepend(type);
}
