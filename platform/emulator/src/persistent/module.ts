import type { ServiceModule } from '../service-module';
import type { Store } from '../store/store';

// Replaced by the persistent-subscription subsystem (issue 4): until then the emulator
// serves no PersistentSubscriptions methods and advertises none.
export async function createPersistentSubscriptionsModule(
  _store: Store,
  _options: { readonly memory: boolean },
): Promise<ServiceModule | undefined> {
  return undefined;
}
