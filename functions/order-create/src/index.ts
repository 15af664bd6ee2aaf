import { defineFunction } from '@spillway/runtime';
import { cancelOrderRoute, createOrderRoute } from './api';

/** HTTP command ingress of the shop: places and cancels orders. */
export default defineFunction({
  name: 'order-create',
  routes: [createOrderRoute, cancelOrderRoute],
});
