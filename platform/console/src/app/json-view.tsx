/** JSON, indented, in a scrollable block. */
export function JsonView({ value, label }: { value: unknown; label?: string }) {
  return (
    <pre class="json" data-label={label}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}
